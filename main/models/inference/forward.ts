// Whole-sequence forward passes (scoring, eval): one session per graph, reused for every batch.
import { buildDecoderOnly, buildT5, type LmOutputName } from '../../engine/models'
import { LABEL_POSITIONS } from '../../engine/models/label-rows'
import type { GraphOptions } from '../../engine/ir'
import {
  graphOptionsFor, hostTensor, openForTarget, takesLabelRows, type ComputeTarget, type CreateSessionOptions, type Device, type GraphSession, type HostTensor,
  type ProviderVerdict, type RequestedPrecision, type StaticBatchShape,
} from '../../runtime'
import { buildWithAdapter, type AdapterFeeds, type InferenceAdapter } from './adapter'
import type { OpenedModel } from './open-model'
import { int64Matrix, labelPositionsFeed, onesLike } from './tensors'

export interface TokenRows {
  ids: number[][]
  /** 1 real, 0 pad; all ones when omitted. */
  mask?: number[][]
}

/** Decoder-only: `tokens`. T5: `tokens` feeds the encoder and `decoder` the decoder. */
export interface ForwardBatch {
  tokens: TokenRows
  decoder?: TokenRows
  /** labels[b][t]: the token position t must predict (already shifted); with labelMask. */
  labels?: number[][]
  labelMask?: number[][]
}

export interface ForwardGraphOptions {
  outputs?: readonly LmOutputName[]
  maxPositions?: number
  /** Score through this trained adapter (the base model alone when absent). */
  adapter?: InferenceAdapter | null
  /**
   * Token NLLs without logits: the head at the labelled tokens only, named by the label_positions
   * feed (engine/models/label-rows.ts). Symbolic batch dims only: ForwardSession sets it on the CPU.
   */
  labelRows?: boolean
}

export interface ForwardSessionOptions extends ForwardGraphOptions, Pick<CreateSessionOptions, 'threads'> {
  /** Default cpu. */
  device?: Device
  /** Default auto (runtime/compute-target.ts). */
  precision?: RequestedPrecision
  /**
   * The static shape a GPU graph is built for (T5: encoder tokens in seq, decoder tokens in tgt).
   * Batches are padded to it and outputs cropped back, so callers never see the padding.
   * Without it only the CPU is tried.
   */
  batchShape?: StaticBatchShape | null
}

/** The forward graph (built with `graphOptions`, a target's) and the adapter tensors it must be fed with every batch. */
export function forwardGraph(model: OpenedModel, options: ForwardGraphOptions = {}, graphOptions: GraphOptions = {}) {
  const outputs = options.outputs ?? ['logits']
  const labels = outputs.some((o) => o !== 'logits')
  // Without logits among the outputs (an eval scorer's token NLLs), the head runs piece by piece
  // (engine/models/head-loss.ts): a long eval batch never holds [batch, seq, vocab].
  const build = {
    mode: 'forward' as const, labels, outputs, lossThroughHead: { gradient: false }, labelRows: options.labelRows ?? false,
    ...(options.maxPositions ? { maxPositions: options.maxPositions } : {}),
  }
  const spec = model.spec
  return buildWithAdapter(options.adapter, (graph, hooks) =>
    spec.family === 't5' ? buildT5(spec, model.checkpoint, { ...build, ...hooks }, graph).graph : buildDecoderOnly(spec, model.checkpoint, { ...build, ...hooks }, graph).graph,
  graphOptions)
}

export class ForwardSession {
  private constructor(
    readonly model: OpenedModel,
    readonly session: GraphSession,
    private readonly adapterFeeds: AdapterFeeds,
    /** Where it runs: provider, precision, and the static shape on a GPU. */
    readonly target: ComputeTarget,
    /** Providers not used, each with why. */
    readonly rejected: readonly ProviderVerdict[],
  ) {}

  static async create(model: OpenedModel, options: ForwardSessionOptions = {}): Promise<ForwardSession> {
    const opened = await openForTarget(
      {
        device: options.device ?? 'cpu',
        precision: options.precision ?? 'auto',
        batchShape: options.batchShape ?? null,
        storedDType: model.info.dtype,
        modelType: model.spec.modelType,
        what: 'forward pass',
        ...(options.threads ? { threads: options.threads } : {}),
      },
      (target) => {
        // Where the target takes it (the CPU), token NLLs are computed at the labelled tokens only.
        const { built: graph, feeds } = forwardGraph(model, { ...options, labelRows: takesLabelRows(target) }, graphOptionsFor(target).graph)
        return { graph, feeds }
      },
    )
    return new ForwardSession(model, opened.session, opened.built.feeds, opened.target, opened.rejected)
  }

  /** Outputs for exactly the batch's rows and tokens (a static GPU graph's padding is cropped off). */
  async run(batch: ForwardBatch): Promise<Record<string, HostTensor>> {
    const shape = this.target.shape
    if (!shape) return this.runAsIs(batch)
    const seq2seq = this.model.spec.family === 't5'
    const out = await this.runAsIs(padBatch(batch, shape, seq2seq))
    const scored = seq2seq ? batch.decoder!.ids : batch.tokens.ids
    return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, cropRowsAndTokens(t, scored.length, scored[0]?.length ?? 0)]))
  }

  private async runAsIs(batch: ForwardBatch): Promise<Record<string, HostTensor>> {
    const feeds: Record<string, HostTensor> = {
      ...this.adapterFeeds,
      input_ids: int64Matrix(batch.tokens.ids, 'input_ids'),
      attention_mask: int64Matrix(batch.tokens.mask ?? onesLike(batch.tokens.ids), 'attention_mask'),
    }
    if (this.model.spec.family === 't5') {
      if (!batch.decoder) throw new Error('a T5 forward pass needs decoder tokens')
      feeds.decoder_input_ids = int64Matrix(batch.decoder.ids, 'decoder_input_ids')
      feeds.decoder_attention_mask = int64Matrix(batch.decoder.mask ?? onesLike(batch.decoder.ids), 'decoder_attention_mask')
    }
    if (this.session.inputNames.includes('labels')) {
      if (!batch.labels || !batch.labelMask) throw new Error('this session computes the loss: the batch needs labels and labelMask')
      feeds.labels = int64Matrix(batch.labels, 'labels')
      feeds.label_mask = int64Matrix(batch.labelMask, 'label_mask')
      if (this.session.inputNames.includes(LABEL_POSITIONS)) Object.assign(feeds, labelPositionsFeed(feeds.label_mask, this.target.shape?.labeled))
    }
    return this.session.run(feeds)
  }

  dispose(): Promise<void> {
    return this.session.dispose()
  }
}

/** `batch` padded with masked rows and tokens to the static `shape` (an error when it does not fit). */
function padBatch(batch: ForwardBatch, shape: StaticBatchShape, seq2seq: boolean): ForwardBatch {
  const rows = batch.tokens.ids.length
  if (rows > shape.batch) throw new Error(`a batch of ${rows} rows does not fit this forward pass's static batch of ${shape.batch}`)
  const grow = (matrix: number[][], width: number, what: string): number[][] => {
    const over = matrix.findIndex((r) => r.length > width)
    if (over >= 0) throw new Error(`row ${over} has ${matrix[over].length} ${what} tokens, more than the ${width} this forward pass was built for`)
    return Array.from({ length: shape.batch }, (_, b) => [...(matrix[b] ?? []), ...new Array<number>(width - (matrix[b]?.length ?? 0)).fill(0)])
  }
  const tokens = { ids: grow(batch.tokens.ids, shape.seq, 'input'), mask: grow(batch.tokens.mask ?? onesLike(batch.tokens.ids), shape.seq, 'input') }
  const outWidth = seq2seq ? shape.tgt! : shape.seq
  const padded: ForwardBatch = { tokens }
  if (seq2seq && batch.decoder) padded.decoder = { ids: grow(batch.decoder.ids, outWidth, 'decoder'), mask: grow(batch.decoder.mask ?? onesLike(batch.decoder.ids), outWidth, 'decoder') }
  if (batch.labels) padded.labels = grow(batch.labels, outWidth, 'label')
  if (batch.labelMask) padded.labelMask = grow(batch.labelMask, outWidth, 'label')
  return padded
}

/** A [rows, tokens, ...] output cut back to the caller's rows and tokens; scalars are left alone. */
function cropRowsAndTokens(t: HostTensor, rows: number, tokens: number): HostTensor {
  if (t.shape.length < 2 || t.dtype !== 'float32') return t
  const [, width, ...inner] = t.shape
  const innerSize = inner.reduce((a, b) => a * b, 1)
  const data = t.data as Float32Array
  const out = new Float32Array(rows * tokens * innerSize)
  for (let b = 0; b < rows; b++) out.set(data.subarray(b * width * innerSize, (b * width + tokens) * innerSize), b * tokens * innerSize)
  return hostTensor('float32', [rows, tokens, ...inner], out)
}
