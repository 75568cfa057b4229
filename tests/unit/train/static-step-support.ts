// One train step of the symbolic CPU graph and of a static (GPU-form) graph on the same batch:
// what the static-shape, int32/float32-input, composed-LogSoftmax and half-precision forms
// must reproduce. The static graph runs where `session` says (CPU or WebGPU).
import type { AdapterConfigInput } from '../../../main/engine/adapters'
import { parseAdapterConfig } from '../../../main/engine/adapters'
import type { OpenedModel } from '../../../main/models'
import { labelPositionsFeed } from '../../../main/models/inference/tensors'
import { createGraphSession, hostTensor, type HostTensor, type Precision, type SessionProvider, type StaticBatchShape } from '../../../main/runtime'
import { makeBatch, staticBatchShape, type Batch, type BatchLayout, type TrainingExample } from '../../../main/train/batches'
import { makePackedBatch, packRows } from '../../../main/train/packing'
import { buildStepGraph, buildTrainStep, STEP_OUTPUTS } from '../../../main/train/step-graph'
import { patternExamples } from './support'

export interface StepComparison {
  cpuLoss: number
  staticLoss: number
  /** max over parameters of ‖g_static − g_cpu‖ / ‖g_cpu‖ */
  worstGradientError: number
  /** The static graph's session provider. */
  provider: SessionProvider
}

/** Three examples of different lengths (so the static batch pads rows and columns). */
export function unevenExamples(vocab: number): TrainingExample[] {
  return patternExamples(vocab, 3, 12).map((e, i) => ({ ...e, inputIds: e.inputIds.subarray(0, 12 - 2 * i), trained: e.trained.subarray(0, 12 - 2 * i) }))
}

/** One 12-token example and five of 3 to 5 tokens: packed into rows of 12, the short ones share rows. */
export function shortAndLong(vocab: number): TrainingExample[] {
  return patternExamples(vocab, 6, 12).map((e, i) => {
    const length = i === 0 ? 12 : 3 + (i % 3)
    return { ...e, inputIds: e.inputIds.subarray(0, length), trained: Uint8Array.from({ length }, (_, t) => (t >= 1 ? 1 : 0)) }
  })
}

export async function compareStaticStep(
  model: OpenedModel,
  adapterInput: AdapterConfigInput,
  /**
   * packed: the static graph packs the examples into rows as wide as the longest (the CPU graph does
   * not). labelRows: it runs the head at the labelled tokens, a bound of 3 above this batch's count.
   */
  options: { device: 'cpu' | 'webgpu'; precision: Precision; examples?: TrainingExample[]; packed?: boolean; labelRows?: boolean },
): Promise<StepComparison> {
  const adapter = parseAdapterConfig(adapterInput)
  const layout: BatchLayout = { seq2seq: model.spec.family === 't5', decoderStartTokenId: 0, padTokenId: 0 }
  const examples = options.examples ?? unevenExamples(model.spec.vocabSize)
  const packed = options.packed ?? false
  const bounded = staticBatchShape(examples, examples.length + 1, layout, { packed }) // one all-padding row too
  const { labeled, ...unbounded } = bounded
  const shape: StaticBatchShape = options.labelRows ? { ...bounded, labeled: labeled! + 3 } : unbounded
  const cpu = await buildTrainStep(model, adapter, { kind: 'train', threads: 1, maxPositions: 32 })
  // Built as for WebGPU whatever runs it: the CPU runs the GPU form too, which checks it without a GPU.
  const target = { provider: 'webgpu' as const, precision: options.precision, shape }
  const staticStep = buildStepGraph(model, adapter, { kind: 'train', maxPositions: 32, target, packed, labelRows: options.labelRows ?? false })
  if (staticStep.labelRows !== (options.labelRows ?? false)) throw new Error(`the static step ${staticStep.labelRows ? 'runs' : 'does not run'} the head at the labelled tokens`)
  const session = await createGraphSession(staticStep.graph, { device: options.device, emitTarget: 'gpu', threads: 1 })
  try {
    // Away from the init (LoRA's B = 0, MoV's vectors = 1), so every gradient is exercised.
    const values = cpu.initialValues(3)
    for (const v of values.values()) for (let i = 0; i < v.length; i++) v[i] += 0.05 * Math.sin(1 + i + v.length)
    const params: Record<string, HostTensor> = Object.fromEntries(cpu.parameters.map((p) => [p.name, hostTensor('float32', p.shape, values.get(p.name)!)]))
    const a = await cpu.session.run({ ...makeBatch(examples, layout).feeds, ...params })
    const scale: Record<string, HostTensor> = staticStep.lossScaled ? { [STEP_OUTPUTS.lossScale]: hostTensor('float32', [], Float32Array.of(1024)) } : {}
    const batch = staticBatch(examples, { ...layout, shape }, packed).feeds
    const positions = staticStep.labelRows ? labelPositionsFeed(batch.label_mask, shape.labeled) : {}
    const b = await session.run({ ...batch, ...positions, ...params, ...scale })
    let worst = 0
    for (const p of cpu.parameters) {
      const ga = a[STEP_OUTPUTS.gradient(p.name)].data as Float32Array
      const gb = b[STEP_OUTPUTS.gradient(p.name)].data as Float32Array
      let num = 0
      let den = 0
      for (let i = 0; i < ga.length; i++) {
        num += (ga[i] - gb[i]) ** 2
        den += ga[i] ** 2
      }
      worst = Math.max(worst, Math.sqrt(num / Math.max(den, 1e-30)))
    }
    return { cpuLoss: Number(a[STEP_OUTPUTS.loss].data[0]), staticLoss: Number(b[STEP_OUTPUTS.loss].data[0]), worstGradientError: worst, provider: session.provider }
  } finally {
    await cpu.session.dispose()
    await session.dispose()
  }
}

/** One example per row, or packed next-fit into rows of the static width. */
function staticBatch(examples: readonly TrainingExample[], layout: BatchLayout & { shape: { seq: number } }, packed: boolean): Batch {
  if (!packed) return makeBatch(examples, layout)
  const rows = packRows(examples.map((_, i) => i), examples.map((e) => e.inputIds.length), layout.shape.seq)
  return makePackedBatch(rows.map((row) => row.map((i) => examples[i])), { ...layout, width: layout.shape.seq })
}
