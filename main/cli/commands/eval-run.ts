// `eval --run RUN`: the run's model, one of its adapters, and examples rendered exactly as its
// training rendered them (main/train/run-eval.ts), ready for eval's loss output.
import { homedir } from 'node:os'
import { readEvalRows } from '../../models/eval/examples'
import { isMultipleChoiceRow } from '../../models/eval/multiple-choice'
import type { EvalExample } from '../../models/eval/examples'
import { loadInferenceAdapter, type InferenceAdapter } from '../../models/inference/adapter'
import { openModel, type OpenedModel } from '../../models/inference/open-model'
import { RunConfig } from '../../contract/run-config'
import { openStore, resolveDataDir, type RunRecord } from '../../store'
import { runFolder } from '../../train/run-training'
import { RunEvalError, runAdapter, runFileExamples, runValidationExamples, type CheckpointChoice } from '../../train/run-eval'
import type { CliContext } from '../command'

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

export async function openRunEval(request: RunEvalRequest, context: CliContext): Promise<RunEval> {
  const dataDir = resolveDataDir({ env: context.env, platform: process.platform, home: homedir() })
  const record = readRun(dataDir, request.runId)
  const runDir = runFolder(dataDir, record.id)
  const adapterChoice = runAdapter(record, runDir, request.checkpoint)
  if (request.data) refuseMultipleChoice(request.data)
  const model = openModel(RunConfig.parse(record.config).model)
  const adapter = loadInferenceAdapter(adapterChoice.path, model)
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

/** The template names of main/data/templates.ts, in words. */
function templateWords(name: string): string {
  if (name === 'model') return "the model's chat template"
  if (name === 'plain') return 'no chat template (plain text)'
  return `the ${name} template`
}

function readRun(dataDir: string, runId: string): RunRecord {
  const store = openStore(dataDir)
  try {
    const record = store.runs.get(runId)
    if (!record) throw new RunEvalError(`there is no run ${runId} in ${dataDir} (mixture-studio runs lists them)`)
    return record
  } finally {
    store.close()
  }
}

/**
 * Multiple-choice rows through a run's chat template (prompt as the user turn, each choice as the
 * assistant's answer) are not built yet: scoring them raw would be the very mismatch --run avoids.
 */
function refuseMultipleChoice(file: string): void {
  let rows: ReturnType<typeof readEvalRows>
  try {
    rows = readEvalRows(file)
  } catch {
    return // Not JSON Lines (CSV, Parquet, ...): the run's own import reads it and speaks about it.
  }
  const choice = rows.find((r) => isMultipleChoiceRow(r.row))
  if (choice) {
    throw new RunEvalError(
      `${choice.where}: a multiple-choice row ({"prompt","choices","answer"}); eval --run does not rank choices through a run's chat template yet. ` +
        'Score it without the template: eval --model MODEL --adapter ADAPTER --data FILE',
    )
  }
}
