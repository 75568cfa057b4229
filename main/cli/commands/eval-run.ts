// `eval --run RUN`: the run's model, one of its adapters, and examples rendered exactly as its
// training rendered them (main/train/run-eval.ts), ready for eval's loss output.
import type { MultipleChoiceQuestion } from '../../models/eval/multiple-choice'
import type { EvalExample } from '../../models/eval/examples'
import { loadInferenceAdapter, type InferenceAdapter } from '../../models/inference/adapter'
import type { OpenedModel } from '../../models/inference/open-model'
import { openRunModel } from '../../models/quantized/open-run-model'
import { RunConfig } from '../../contract/run-config'
import { openStore, type RunRecord } from '../../store'
import { runFolder } from '../../train/run-training'
import { RunEvalError, runAdapter, runFileExamples, runValidationExamples, type CheckpointChoice, type RunAdapter } from '../../train/run-eval'
import { isMultipleChoiceFile, templateMultipleChoice } from '../../train/run-multiple-choice'
import type { CliContext } from '../command'
import { cliDataDir } from '../open-services'

export interface RunEvalRequest {
  runId: string
  checkpoint: CheckpointChoice
  /** A file to render as the run's data; null: the run's own validation examples. */
  data: string | null
}

export interface RunEval {
  model: OpenedModel
  adapter: InferenceAdapter
  examples: EvalExample[]
  /** Rows of --data skipped while rendering, and why. */
  notes: string[]
  /** What the summary says about the run: JSON fields and the words of the human line. */
  about: { fields: Record<string, unknown>; words: string }
}

/** A run's model (its quantized copy when it trained on one) with one of its adapters attached. */
export interface OpenedRun {
  record: RunRecord
  config: RunConfig
  model: OpenedModel
  adapter: InferenceAdapter
  /** Which adapter, and its folder. */
  adapterChoice: RunAdapter
}

export function openRun(dataDir: string, record: RunRecord, checkpoint: CheckpointChoice): OpenedRun {
  const adapterChoice = runAdapter(record, runFolder(dataDir, record.id), checkpoint)
  const config = RunConfig.parse(record.config)
  const model = openRunModel(config.model, dataDir)
  return { record, config, model, adapter: loadInferenceAdapter(adapterChoice.path, model), adapterChoice }
}

export async function openRunEval(request: RunEvalRequest, context: CliContext): Promise<RunEval> {
  const dataDir = cliDataDir(context)
  const { record, model, adapter, adapterChoice } = openRun(dataDir, readRun(dataDir, request.runId), request.checkpoint)
  const runDir = runFolder(dataDir, record.id)
  const data = request.data ? await runFileExamples(record, model.info.dir, request.data, model.spec) : await runValidationExamples(record, runDir, model.spec)
  const scored = request.data ? request.data : 'its validation examples'
  return {
    model,
    adapter,
    examples: data.examples,
    notes: data.notes,
    about: {
      fields: { run: record.id, checkpoint: adapterChoice.label, adapter: adapterChoice.path, template: data.templateName, data: request.data ?? 'validation' },
      words: `run ${record.id}, its ${adapterChoice.label}, ${templateWords(data.templateName)}, ${scored}`,
    },
  }
}

export interface RunChoices {
  model: OpenedModel
  adapter: InferenceAdapter
  questions: MultipleChoiceQuestion[]
  /** Prompts cut to fit the run's max_length, and where. */
  notes: string[]
  about: RunEval['about']
}

/**
 * The run's model and adapter and the --data file's multiple-choice rows rendered through the
 * run's chat template (templateMultipleChoice), ready for ranking; null when the file is not
 * multiple choice (its rows are scored for their loss by openRunEval).
 */
export async function openRunChoices(request: RunEvalRequest & { data: string }, context: CliContext): Promise<RunChoices | null> {
  const dataDir = cliDataDir(context)
  const record = readRun(dataDir, request.runId)
  if (!(await isMultipleChoiceFile(request.data, RunConfig.parse(record.config)))) return null
  const { config, model, adapter, adapterChoice } = openRun(dataDir, record, request.checkpoint)
  const { questions, templateName, notes } = await templateMultipleChoice(request.data, { modelDir: model.info.dir, spec: model.spec, config })
  return {
    model,
    adapter,
    questions,
    notes,
    about: {
      fields: { run: record.id, checkpoint: adapterChoice.label, adapter: adapterChoice.path, template: templateName, data: request.data },
      words: `run ${record.id}, its ${adapterChoice.label}, ${templateWords(templateName)}, ${request.data}`,
    },
  }
}

/** The template names of main/data/templates.ts, in words. */
export function templateWords(name: string): string {
  if (name === 'model') return "the model's chat template"
  if (name === 'plain') return 'no chat template (plain text)'
  return `the ${name} template`
}

export function readRun(dataDir: string, runId: string): RunRecord {
  const store = openStore(dataDir)
  try {
    const record = store.runs.get(runId)
    if (!record) throw new RunEvalError(`there is no run ${runId} in ${dataDir} (mixture-studio runs lists them)`)
    return record
  } finally {
    store.close()
  }
}
