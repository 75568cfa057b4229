// One forward session sized for a set of eval examples, and the summed negative log-likelihood
// and scored-token count of any batch of them. Plain eval batches examples by --batch-size; rank
// classification's per-row path (a GPU's default) batches one question's choices together, each row
// recomputing the prompt (prompt-once-scorer.ts computes it once).
import { labelledTokensBound } from '../../engine/models/label-rows'
import { ForwardSession, type ForwardBatch } from '../inference/forward'
import type { InferenceAdapter } from '../inference/adapter'
import type { OpenedModel } from '../inference/open-model'
import type { EvalExample } from './examples'
import { withLabelledBound, type ComputeTarget, type Device, type RequestedPrecision } from '../../runtime'

export interface RowScore {
  /** −Σ log p(target) over the row's scored positions, in nats. */
  nll: number
  /** How many positions were scored. */
  tokens: number
}

export interface ScorerOptions {
  threads?: number
  /** Score through this trained adapter (the base model alone when absent). */
  adapter?: InferenceAdapter | null
  /** Default cpu; a GPU pads every batch to `batchRows` rows of the longest example. */
  device?: Device
  precision?: RequestedPrecision
}

export class ExampleScorer {
  private constructor(
    private readonly session: ForwardSession,
    private readonly seq2seq: boolean,
  ) {}

  /** A session that can take any batch of at most `batchRows` of `examples` (a GPU graph is built for that static shape). */
  static async open(model: OpenedModel, examples: readonly EvalExample[], batchRows: number, options: ScorerOptions = {}): Promise<ExampleScorer> {
    const longest = Math.max(...examples.map((e) => Math.max(e.ids.length, e.decoderIds?.length ?? 0)))
    const seq2seq = model.spec.family === 't5'
    const padded = { batch: batchRows, seq: Math.max(1, ...examples.map((e) => e.ids.length)) }
    // Decoder-only: a GPU graph runs the head at up to the most scored tokens any batchRows examples
    // hold (StaticBatchShape.labeled), not at every prompt and padding token; a CPU graph takes each batch's own.
    const batchShape = seq2seq
      ? { ...padded, tgt: Math.max(1, ...examples.map((e) => e.decoderIds?.length ?? 0)) }
      : withLabelledBound(padded, labelledTokensBound(examples.map((e) => e.targets.filter((t) => t !== null).length), batchRows))
    const session = await ForwardSession.create(model, {
      outputs: ['token_nll'], threads: options.threads, maxPositions: Math.max(longest, 1), adapter: options.adapter,
      device: options.device ?? 'cpu', precision: options.precision ?? 'auto', batchShape,
    })
    return new ExampleScorer(session, seq2seq)
  }

  /** Where it runs: provider, precision, and the static shape on a GPU. */
  get target(): ComputeTarget {
    return this.session.target
  }

  /** One forward pass over `rows`; a score per row, in order. */
  async score(rows: readonly EvalExample[]): Promise<RowScore[]> {
    const out = await this.session.run(batchOf(rows, this.seq2seq))
    const [count, length] = out.token_nll.shape
    const nll = out.token_nll.data as Float32Array
    const scores: RowScore[] = []
    for (let b = 0; b < count; b++) {
      let sum = 0
      for (let t = 0; t < length; t++) sum += nll[b * length + t]
      scores.push({ nll: sum, tokens: rows[b].targets.filter((x) => x !== null).length })
    }
    return scores
  }

  dispose(): Promise<void> {
    return this.session.dispose()
  }
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
