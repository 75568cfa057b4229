// The sessions of a cached decoder step, opened for one target: the step graph (decoder-only
// models, or T5's decoder) and, for T5, the encoder graph on the same provider. Generation opens
// them to generate; rank classification opens them for scoring, to score a question's choices
// after computing its prompt once (models/eval/prompt-once-scorer.ts).
import { createGraphSession, graphOptionsFor, openForTarget, type ComputeTarget, type CreateSessionOptions, type Device, type GraphSession, type ProviderVerdict, type RequestedPrecision } from '../../runtime'
import type { AdapterFeeds, InferenceAdapter } from './adapter'
import { generationStepGraph, t5EncoderGraph } from './generation-graphs'
import type { OpenedModel } from './open-model'

export interface CachedSessionOptions extends Pick<CreateSessionOptions, 'threads'> {
  /** Default cpu; a GPU device (or auto) runs the step graph there when every product has a kernel (dynamicShapes in session.ts). */
  device?: Device
  /** Default auto (runtime/compute-target.ts): fp16 frozen products on a GPU, float32 on the CPU. */
  precision?: RequestedPrecision
  /** Longest sequence in tokens (rotary table rows); default the model's context length, at most 4096. */
  maxPositions?: number
  /** Attach this adapter at its sites, in the step graph and in T5's encoder (the base model alone when absent). */
  adapter?: InferenceAdapter | null
}

export interface CachedSessions {
  step: GraphSession
  /** T5's encoder (cross keys/values for every decoder layer); null for decoder-only models. */
  encoder: GraphSession | null
  /** Where they run: provider and precision (no static shape: a step's length varies). */
  target: ComputeTarget
  /** Providers not used, each with why. */
  rejected: readonly ProviderVerdict[]
  stepAdapter: AdapterFeeds
  encoderAdapter: AdapterFeeds
}

/**
 * Opens the step graph and T5's encoder; `what` names it in errors ("generation step"). `scoring`:
 * the step scores its tokens, its rows continuing one shared past (generationStepGraph).
 */
export async function openCachedSessions(model: OpenedModel, options: CachedSessionOptions, { scoring, what }: { scoring: boolean; what: string }): Promise<CachedSessions> {
  const spec = model.spec
  // The step graph picks the provider; T5's encoder then opens on the same one.
  const opened = await openForTarget(
    {
      device: options.device ?? 'cpu',
      precision: options.precision ?? 'auto',
      batchShape: null,
      dynamicShapes: true,
      storedDType: model.info.dtype,
      modelType: spec.modelType,
      what,
      ...(options.threads ? { threads: options.threads } : {}),
    },
    (target) => {
      const step = generationStepGraph(model, options.adapter, options.maxPositions, graphOptionsFor(target).graph, { scoring })
      return { graph: step.built, feeds: step.feeds }
    },
  )
  const { target } = opened
  const sessions = { step: opened.session, target, rejected: opened.rejected, stepAdapter: opened.built.feeds }
  if (spec.family !== 't5') return { ...sessions, encoder: null, encoderAdapter: {} }
  try {
    const enc = t5EncoderGraph({ ...model, spec }, options.adapter, graphOptionsFor(target).graph)
    const encoder = await createGraphSession(enc.built, {
      device: target.provider,
      emitTarget: graphOptionsFor(target).emit,
      dynamicShapes: true,
      ...(options.threads ? { threads: options.threads } : {}),
    })
    return { ...sessions, encoder, encoderAdapter: enc.feeds }
  } catch (e) {
    await opened.session.dispose()
    throw e
  }
}
