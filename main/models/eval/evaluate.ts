// Eval: the summed negative log-likelihood and the number of scored tokens of every example, and
// the token-mean loss over all of them (Σ nll / Σ tokens, as training's loss averages tokens).
import { ForwardSession, type ForwardBatch } from '../inference/forward'
import type { InferenceAdapter } from '../inference/adapter'
import type { OpenedModel } from '../inference/open-model'
import type { EvalExample } from './examples'
import type { ComputeTarget, Device, RequestedPrecision } from '../../runtime'

export interface ExampleScore {
  index: number
  line: number
  nll: number
  tokens: number
}

export interface EvalSummary {
  examples: number
  tokens: number
  nll: number
  /** Σ nll / Σ tokens. */
  loss: number
}

export interface EvaluateOptions {
  batchSize?: number
  threads?: number
  onExample?: (score: ExampleScore) => void
  /** Score through this trained adapter (the base model alone when absent). */
  adapter?: InferenceAdapter | null
  /** Default cpu; a GPU pads every batch to batchSize rows of the longest example. */
  device?: Device
  precision?: RequestedPrecision
}

export async function evaluate(
  model: OpenedModel,
  examples: readonly EvalExample[],
  options: EvaluateOptions = {},
): Promise<{ scores: ExampleScore[]; summary: EvalSummary; target: ComputeTarget }> {
  const longest = Math.max(...examples.map((e) => Math.max(e.ids.length, e.decoderIds?.length ?? 0)))
  const batchSize = options.batchSize ?? 8
  const seq2seq = model.spec.family === 't5'
  const batchShape = {
    batch: batchSize,
    seq: Math.max(1, ...examples.map((e) => e.ids.length)),
    ...(seq2seq ? { tgt: Math.max(1, ...examples.map((e) => e.decoderIds?.length ?? 0)) } : {}),
  }
  const session = await ForwardSession.create(model, {
    outputs: ['token_nll'], threads: options.threads, maxPositions: Math.max(longest, 1), adapter: options.adapter,
    device: options.device ?? 'cpu', precision: options.precision ?? 'auto', batchShape,
  })
  const scores: ExampleScore[] = []
  try {
    for (let start = 0; start < examples.length; start += batchSize) {
      const chunk = examples.slice(start, start + batchSize)
      const out = await session.run(batchOf(chunk, seq2seq))
      const [rows, length] = out.token_nll.shape
      const nll = out.token_nll.data as Float32Array
      for (let b = 0; b < rows; b++) {
        let sum = 0
        for (let t = 0; t < length; t++) sum += nll[b * length + t]
        const score = { index: start + b, line: chunk[b].line, nll: sum, tokens: chunk[b].targets.filter((x) => x !== null).length }
        scores.push(score)
        options.onExample?.(score)
      }
    }
  } finally {
    await session.dispose()
  }
  const tokens = scores.reduce((n, s) => n + s.tokens, 0)
  const total = scores.reduce((n, s) => n + s.nll, 0)
  return { scores, summary: { examples: scores.length, tokens, nll: total, loss: tokens > 0 ? total / tokens : NaN }, target: session.target }
}

/** Right-padded batch; pads are masked out of attention and of the labels. */
function batchOf(chunk: readonly EvalExample[], seq2seq: boolean): ForwardBatch {
  const pad = <T>(rows: T[][], fill: T): T[][] => {
    const width = Math.max(...rows.map((r) => r.length))
    return rows.map((r) => [...r, ...new Array<T>(width - r.length).fill(fill)])
  }
  const real = (rows: number[][]) => pad(rows.map((r) => r.map(() => 1)), 0)
  const tokens = { ids: pad(chunk.map((e) => e.ids), 0), mask: real(chunk.map((e) => e.ids)) }
  const targets = pad(chunk.map((e) => e.targets), null)
  const labels = targets.map((r) => r.map((t) => t ?? 0))
  const labelMask = targets.map((r) => r.map((t) => (t === null ? 0 : 1)))
  if (!seq2seq) return { tokens, labels, labelMask }
  const decoderIds = chunk.map((e) => e.decoderIds!)
  return { tokens, decoder: { ids: pad(decoderIds, 0), mask: real(decoderIds) }, labels, labelMask }
}
