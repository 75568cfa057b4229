// Scores a question's choices computing its prompt once (issue 13). Decoder-only models: the
// prompt runs as one cached step, then every choice as one batch continuing from that KV cache
// (one copy of the prompt's keys/values, read by every row; choices right-padded and masked); a
// choice's first token is scored from the prompt's last logits, its later tokens by the step. T5:
// the encoder runs once and the decoder scores all choices as one batch over its one output. The
// NLLs are those of the per-row ExampleScorer, which recomputes the prompt in every row, to float32
// rounding; with a prompt of P tokens and C choices of n, the work falls from C·(P + n) tokens to
// about P + C·n, and the prompt's keys/values are held once, not per choice.
import { crossNames } from '../../engine/models'
import { hostTensor, type ComputeTarget, type HostTensor } from '../../runtime'
import { openCachedSessions, type CachedSessions } from '../inference/cached-sessions'
import { cachePositions, KvBuffers } from '../inference/kv-buffers'
import type { OpenedModel } from '../inference/open-model'
import { int64Matrix, int64Vector } from '../inference/tensors'
import type { RowScore, ScorerOptions } from './example-scorer'
import type { EvalExample } from './examples'

/** One run of the scoring step: tokens after `start` cached slots, and which of them to score. */
interface StepRun {
  /** T5: the encoder's mask and cross keys/values. */
  fixed?: Record<string, HostTensor>
  /** The past every row continues (batch 1). */
  cache: KvBuffers
  ids: number[][]
  positions: number[][]
  /** [rows, cache length]: 1 at every slot holding a real token, this step's included. */
  mask: BigInt64Array
  start: number
  /** Step slots whose next token is scored, and the labels there ([rows, slots]). */
  labelSlots: number[]
  labels: number[][]
  labelMask: number[][]
}

export class PromptOnceScorer {
  private constructor(
    private readonly model: OpenedModel,
    private readonly sessions: CachedSessions,
  ) {}

  /**
   * The cached step graph with labels (and T5's encoder) for `examples`. Its shapes change with
   * every question, so on a GPU it opens with dynamic shapes, as generation's step does.
   */
  static async open(model: OpenedModel, examples: readonly EvalExample[], options: ScorerOptions = {}): Promise<PromptOnceScorer> {
    const longest = Math.max(1, ...examples.map((e) => e.ids.length))
    const sessions = await openCachedSessions(
      model,
      { device: options.device ?? 'cpu', precision: options.precision ?? 'auto', adapter: options.adapter, maxPositions: longest, ...(options.threads ? { threads: options.threads } : {}) },
      { scoring: true, what: 'prompt-once scoring step' },
    )
    return new PromptOnceScorer(model, sessions)
  }

  /** Where it runs: provider and precision (no static shape). */
  get target(): ComputeTarget {
    return this.sessions.target
  }

  /** One question's choices (rows sharing a prompt); a score per row, in order. */
  score(rows: readonly EvalExample[]): Promise<RowScore[]> {
    return this.model.spec.family === 't5' ? this.scoreSeq2Seq(rows) : this.scoreDecoderOnly(rows)
  }

  private async scoreDecoderOnly(rows: readonly EvalExample[]): Promise<RowScore[]> {
    const shared = sharedPromptLength(rows)
    if (shared === 0) return rows.length === 1 ? [{ nll: 0, tokens: 0 }] : this.eachAlone(rows)
    const { spec } = this.model
    const layers = spec.family === 't5' ? spec.numDecoderLayers : spec.numLayers
    const width = Math.max(...rows.map((r) => r.ids.length - shared))
    const length = shared + width
    // The prompt's keys/values go in slots [0, shared); the choices' own are computed in the step.
    const cache = new KvBuffers(layers, 1, spec.numKvHeads, length, spec.headDim)
    const prompt = rows[0].ids.slice(0, shared)
    const promptMask = new BigInt64Array(length).fill(1n, 0, shared)
    const prefill = await this.runStep({
      cache, ids: [prompt], positions: [prompt.map((_, t) => t)], mask: promptMask, start: 0,
      // The prompt's own tokens are not scored: one masked slot, so the head runs at one position.
      labelSlots: [shared - 1], labels: [[0]], labelMask: [[0]],
    })
    const firstLogProbs = logSoftmax(prefill.logits.data as Float32Array)
    const scores = rows.map((row) => {
      const first = row.targets[shared - 1]
      return { nll: first === null ? 0 : -firstLogProbs[first], tokens: row.targets.filter((t) => t !== null).length }
    })
    if (width === 0) return scores // every choice is one token: the prompt's logits scored them all

    cache.write(prefill, 0)
    const mask = new BigInt64Array(rows.length * length)
    rows.forEach((row, b) => mask.fill(1n, b * length, b * length + row.ids.length))
    const after = rows.map((row) => row.targets.slice(shared))
    const out = await this.runStep({
      cache, mask, start: shared,
      ids: rows.map((row) => padTo(row.ids.slice(shared), width, 0)),
      positions: rows.map(() => Array.from({ length: width }, (_, t) => shared + t)),
      labelSlots: Array.from({ length: width }, (_, t) => t),
      labels: after.map((targets) => padTo(targets.map((t) => t ?? 0), width, 0)),
      labelMask: after.map((targets) => padTo(targets.map((t) => (t === null ? 0 : 1)), width, 0)),
    })
    addTokenNll(scores, out.token_nll)
    return scores
  }

  private async scoreSeq2Seq(rows: readonly EvalExample[]): Promise<RowScore[]> {
    const encoderIds = rows[0].ids
    if (rows.some((row) => !sameIds(row.ids, encoderIds))) return this.eachAlone(rows)
    const { spec } = this.model
    if (spec.family !== 't5' || !this.sessions.encoder) throw new Error('scoreSeq2Seq needs a T5 model and its encoder session')
    const encoded = await this.sessions.encoder.run({
      ...this.sessions.encoderAdapter, input_ids: int64Matrix([encoderIds], 'input_ids'), attention_mask: int64Matrix([encoderIds.map(() => 1)], 'attention_mask'),
    })
    // One encoder output, read by every decoder row.
    const fixed: Record<string, HostTensor> = { encoder_attention_mask: int64Matrix([encoderIds.map(() => 1)], 'encoder_attention_mask') }
    for (let l = 0; l < spec.numDecoderLayers; l++) {
      for (const name of [crossNames(l).key, crossNames(l).value]) fixed[name] = encoded[name]
    }
    const width = Math.max(...rows.map((r) => r.decoderIds!.length))
    const mask = new BigInt64Array(rows.length * width)
    rows.forEach((row, b) => mask.fill(1n, b * width, b * width + row.decoderIds!.length))
    const scores = rows.map((row) => ({ nll: 0, tokens: row.targets.filter((t) => t !== null).length }))
    const out = await this.runStep({
      fixed, mask, start: 0,
      cache: new KvBuffers(spec.numDecoderLayers, 1, spec.numKvHeads, width, spec.headDim),
      ids: rows.map((row) => padTo(row.decoderIds!, width, 0)),
      positions: rows.map(() => Array.from({ length: width }, (_, t) => t)),
      labelSlots: Array.from({ length: width }, (_, t) => t),
      labels: rows.map((row) => padTo(row.targets.map((t) => t ?? 0), width, 0)),
      labelMask: rows.map((row) => padTo(row.targets.map((t) => (t === null ? 0 : 1)), width, 0)),
    })
    addTokenNll(scores, out.token_nll)
    return scores
  }

  /** Rows with no prompt in common: each is scored as its own question. */
  private async eachAlone(rows: readonly EvalExample[]): Promise<RowScore[]> {
    const scores: RowScore[] = []
    for (const row of rows) scores.push(...(await this.score([row])))
    return scores
  }

  private runStep(run: StepRun): Promise<Record<string, HostTensor>> {
    const rows = run.ids.length
    const length = run.cache.length
    if (run.cache.batch !== 1) throw new Error(`internal: the scoring step continues one past; this cache has ${run.cache.batch} rows`)
    const feeds: Record<string, HostTensor> = {
      ...this.sessions.stepAdapter,
      ...run.fixed,
      ...run.cache.feeds(),
      input_ids: int64Matrix(run.ids, 'input_ids'),
      position_ids: int64Matrix(run.positions, 'position_ids'),
      attention_mask: hostTensor('int64', [rows, length], run.mask),
      cache_start: int64Vector([run.start]),
      label_slots: int64Vector(run.labelSlots),
      labels: int64Matrix(run.labels, 'labels'),
      label_mask: int64Matrix(run.labelMask, 'label_mask'),
    }
    if (this.sessions.step.inputNames.includes('cache_positions')) feeds.cache_positions = cachePositions(run.mask, rows, length)
    return this.sessions.step.run(feeds)
  }

  async dispose(): Promise<void> {
    await this.sessions.step.dispose()
    await this.sessions.encoder?.dispose()
  }
}

/**
 * How many leading tokens every row computes alike before its first scored one: the rows' common
 * prefix, cut so that no row has a scored target before its last token (the prompt's last logits
 * score each row's target there). 0 when the rows do not share a first token.
 */
export function sharedPromptLength(rows: readonly EvalExample[]): number {
  let shared = Math.min(...rows.map((r) => r.ids.length))
  for (const row of rows) {
    const firstScored = row.targets.findIndex((t) => t !== null)
    if (firstScored >= 0) shared = Math.min(shared, firstScored + 1)
    let t = 0
    while (t < shared && row.ids[t] === rows[0].ids[t]) t++
    shared = t
  }
  return shared
}

/** Adds each row's summed token_nll [rows, slots] to its score. */
function addTokenNll(scores: RowScore[], tokenNll: HostTensor): void {
  const [rows, slots] = tokenNll.shape
  const nll = tokenNll.data as Float32Array
  for (let b = 0; b < rows; b++) for (let t = 0; t < slots; t++) scores[b].nll += nll[b * slots + t]
}

/** log softmax of one row of logits, in float64. */
function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity
  for (const v of logits) max = Math.max(max, v)
  let sum = 0
  for (const v of logits) sum += Math.exp(v - max)
  const logSum = Math.log(sum) + max
  return Float64Array.from(logits, (v) => v - logSum)
}

function padTo(row: readonly number[], width: number, fill: number): number[] {
  return [...row, ...new Array<number>(width - row.length).fill(fill)]
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}
