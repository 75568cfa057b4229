// What a run evaluates besides its validation loss, at every eval point (the trainer's extraEval):
// accuracy on each multiple-choice set of eval.sets, ranked through the run's chat template as
// `eval --run` ranks them, and greedy answers to eval.prompts, so a user sees what the adapter
// answers as it trains. Everything that does not change during a run is done once when the suite
// opens: the sets are read, checked and tokenized (a bad row fails the run at its start, naming
// the file and line, not after an hour of training), the prompts rendered, the sessions built.
// At each eval the sessions are fed the current adapter values, copied into arrays the suite owns
// (the sessions' adapter feeds hold those arrays, so one session serves every eval).
import type { RunConfig } from '../contract/run-config'
import type { MultipleChoiceQuestion } from '../models/eval/multiple-choice'
import { greedyAnswers } from '../models/eval/open-ended-answers'
import { ChoiceScorers, rankQuestions } from '../models/eval/rank-classification'
import type { InferenceAdapter } from '../models/inference/adapter'
import { Generator } from '../models/inference/generate'
import type { OpenedModel } from '../models/inference/open-model'
import { ModelTokenizer } from '../models/tokenizer'
import type { Device } from '../runtime'
import { runPrompts, type EndOfTurn } from './run-prompts'
import { templateMultipleChoice } from './run-multiple-choice'

/** Metric name of a set's accuracy in the store, on charts and in early_stopping.metric. */
export function accuracyMetric(setName: string): string {
  return `accuracy.${setName}`
}

export interface SuiteAnswer {
  promptIndex: number
  prompt: string
  answer: string
}

export interface SuiteResult {
  /** accuracy.<set> for every set, in [0, 1]. */
  metrics: Record<string, number>
  answers: SuiteAnswer[]
}

export interface EvalSuiteOptions {
  /** Where to run (the run's device: its sessions sit beside the training session). */
  device?: Device
  threads?: number
  /** The suite's notes for the run log (prompts cut to fit max_length, ...). */
  onNotice?: (level: 'info' | 'warn', message: string) => void
}

interface PreparedSet {
  name: string
  questions: MultipleChoiceQuestion[]
}

interface PreparedPrompts {
  texts: string[]
  ids: number[][]
  endOfTurn: EndOfTurn | null
  tokenizer: ModelTokenizer
  generator: Generator
}

export class EvalSuite {
  private constructor(
    private readonly config: RunConfig,
    private readonly values: Map<string, Float32Array>,
    private readonly sets: PreparedSet[],
    private readonly scorers: ChoiceScorers | null,
    private readonly prompts: PreparedPrompts | null,
  ) {}

  /**
   * The suite of a run, or null when its configuration asks for nothing beyond the loss.
   * `parameterShapes` names the adapter's tensors (the train step's parameters).
   */
  static async open(config: RunConfig, model: OpenedModel, parameterShapes: readonly { name: string; size: number }[], options: EvalSuiteOptions = {}): Promise<EvalSuite | null> {
    const { sets: setConfigs, prompts: promptTexts } = config.eval
    if (setConfigs.length === 0 && promptTexts.length === 0) return null
    const values = new Map(parameterShapes.map((p) => [p.name, new Float32Array(p.size)]))
    const adapter: InferenceAdapter = { config: config.adapter, values }
    const device = options.device ?? 'cpu'
    const sessionOptions = { device, adapter, ...(options.threads ? { threads: options.threads } : {}) }

    const sets: PreparedSet[] = []
    for (const [index, set] of setConfigs.entries()) {
      const rendered = await templateMultipleChoice(set.data, { modelDir: model.info.dir, spec: model.spec, config }).catch((error: unknown) => {
        // The file's own error names its line; this says which part of the configuration uses it.
        throw new Error(`eval.sets[${index}] (${set.name}): ${error instanceof Error ? error.message : String(error)}`)
      })
      for (const note of rendered.notes) options.onNotice?.('warn', `eval set ${set.name}: ${note}`)
      sets.push({ name: set.name, questions: rendered.questions })
    }
    let scorers: ChoiceScorers | null = null
    let prompts: PreparedPrompts | null = null
    try {
      if (sets.length > 0) scorers = await ChoiceScorers.open(model, sets.flatMap((s) => s.questions), sessionOptions)
      if (promptTexts.length > 0) {
        const rendering = runPrompts(config, model.info.dir)
        const ids = promptTexts.map((p) => rendering.promptIds(p))
        const generator = await Generator.create(model, { ...sessionOptions, maxPositions: Math.max(...ids.map((i) => i.length)) + config.eval.max_new_tokens })
        prompts = { texts: promptTexts, ids, endOfTurn: rendering.endOfTurn, tokenizer: ModelTokenizer.load(model.info.dir), generator }
      }
    } catch (error) {
      await scorers?.dispose()
      throw error
    }
    return new EvalSuite(config, values, sets, scorers, prompts)
  }

  /** The metrics and answers of the adapter `parameters` (the trainer's current values). */
  async evaluate(parameters: ReadonlyMap<string, Float32Array>): Promise<SuiteResult> {
    for (const [name, own] of this.values) {
      const current = parameters.get(name)
      if (!current || current.length !== own.length) throw new Error(`internal: the evaluation has no values for adapter parameter ${name}`)
      own.set(current)
    }
    const metrics: Record<string, number> = {}
    if (this.scorers) {
      for (const set of this.sets) {
        const { summary } = await rankQuestions(this.scorers, set.questions, { lengthNormalize: this.config.eval.length_normalize })
        metrics[accuracyMetric(set.name)] = summary.accuracy
      }
    }
    const answers: SuiteAnswer[] = []
    if (this.prompts) {
      const { generator, tokenizer, ids, texts, endOfTurn } = this.prompts
      const greedy = await greedyAnswers(generator, tokenizer, ids, { maxNewTokens: this.config.eval.max_new_tokens, endOfTurn })
      greedy.forEach((g, i) => answers.push({ promptIndex: i, prompt: texts[i], answer: g.text }))
    }
    return { metrics, answers }
  }

  async dispose(): Promise<void> {
    await this.scorers?.dispose()
    await this.prompts?.generator.dispose()
  }
}
