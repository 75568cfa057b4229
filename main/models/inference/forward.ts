// Whole-sequence forward passes (scoring, eval): one session per graph, reused for every batch.
import { buildDecoderOnly, buildT5, type LmOutputName } from '../../engine/models'
import { createGraphSession, type CreateSessionOptions, type GraphSession, type HostTensor } from '../../runtime'
import { buildWithAdapter, type AdapterFeeds, type InferenceAdapter } from './adapter'
import type { OpenedModel } from './open-model'
import { int64Matrix, onesLike } from './tensors'

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
}

export type ForwardSessionOptions = ForwardGraphOptions & Pick<CreateSessionOptions, 'device' | 'threads'>

/** The forward graph and the adapter tensors it must be fed with every batch. */
export function forwardGraph(model: OpenedModel, options: ForwardGraphOptions = {}) {
  const outputs = options.outputs ?? ['logits']
  const labels = outputs.some((o) => o !== 'logits')
  const build = { mode: 'forward' as const, labels, outputs, ...(options.maxPositions ? { maxPositions: options.maxPositions } : {}) }
  const spec = model.spec
  return buildWithAdapter(options.adapter, (graph, hooks) =>
    spec.family === 't5' ? buildT5(spec, model.checkpoint, { ...build, ...hooks }, graph).graph : buildDecoderOnly(spec, model.checkpoint, { ...build, ...hooks }, graph).graph,
  )
}

export class ForwardSession {
  private constructor(
    readonly model: OpenedModel,
    readonly session: GraphSession,
    private readonly adapterFeeds: AdapterFeeds,
  ) {}

  static async create(model: OpenedModel, options: ForwardSessionOptions = {}): Promise<ForwardSession> {
    const { built: graph, feeds } = forwardGraph(model, options)
    const session = await createGraphSession(graph, { device: options.device ?? 'cpu', threads: options.threads })
    return new ForwardSession(model, session, feeds)
  }

  async run(batch: ForwardBatch): Promise<Record<string, HostTensor>> {
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
    }
    return this.session.run(feeds)
  }

  dispose(): Promise<void> {
    return this.session.dispose()
  }
}
