// The train step as ONE plain ONNX graph (docs/DESIGN.md "The training engine"): the model's forward
// pass with the adapter attached at every site, the token-mean cross-entropy over label tokens
// (plus the load-balancing term when configured), and the gradient of that loss for every
// adapter parameter. Parameters are graph inputs fed each step; their gradients are outputs.
// The eval step shares the builder and stops at the loss. The bench reuses buildTrainStep.
import { gradients } from '../engine/autodiff'
import { createAdapter, type AdapterConfig, type AdapterParameter } from '../engine/adapters'
import { F, Graph, type Value } from '../engine/ir'
import { buildDecoderOnly, buildT5, type ModelBuildOptions } from '../engine/models'
import type { OpenedModel } from '../models/inference/open-model'
import { graphOptionsFor, openForTarget, takesLabelRows, type ComputeTarget, type CreateSessionOptions, type Device, type GraphSession, type ProviderVerdict, type RequestedPrecision, type StaticBatchShape } from '../runtime'
import type { ProviderFacts } from '../runtime/execution-providers'

export type StepKind = 'train' | 'eval'

/** Graph outputs, by role. */
export const STEP_OUTPUTS = {
  /** float32 []: token-mean cross-entropy over label tokens of the batch (without the balancing term). */
  loss: 'loss',
  /** float32 []: the load-balancing term added to the loss before differentiation (when configured). */
  auxLoss: 'aux_loss',
  /** float32 [] input of fp16 train graphs: the loss is multiplied by it before differentiation, the gradients divided after. */
  lossScale: 'loss_scale',
  gradient: (parameter: string) => `grad.${parameter}`,
  routerLoad: (index: number) => `router.${index}.load`,
  routerEntropy: (index: number) => `router.${index}.entropy`,
} as const

/** A routed site's statistics as graph outputs (fetched at logging steps only). */
export interface RouterOutputs {
  /** The site's module path and config name (k, v, ffn, q ...). */
  module: string
  site: string
  layer: number
  experts: number
  load: string
  entropy: string
}

export interface StepGraph {
  kind: StepKind
  graph: Graph
  /** The adapter's trainable tensors, in graph-input order (names follow the native adapter format). */
  parameters: readonly AdapterParameter[]
  trainableParameterCount: number
  /** Initial values of every parameter for a seed (the method's init). */
  initialValues(seed: number): Map<string, Float32Array>
  hasAuxLoss: boolean
  /** Train steps only: one per routed site (empty for (IA)³ and LoRA). */
  routers: readonly RouterOutputs[]
  /** T5 feeds encoder and decoder inputs; decoder-only models feed one sequence. */
  seq2seq: boolean
  /** What the graph was built for (CPU float32 unless a target was given). */
  target: ComputeTarget
  /** Whether the graph takes the `loss_scale` input (fp16 train graphs). */
  lossScaled: boolean
  /** Whether rows pack several examples (feed it makePackedBatch's batches). */
  packed: boolean
  /** Whether the graph takes label_positions (StepGraphOptions.labelRows): feed labelPositionsFeed(label_mask). */
  labelRows: boolean
}

export interface StepGraphOptions {
  kind: StepKind
  /** Longest sequence the graph must handle (sizes the rotary tables); default: the model's context. */
  maxPositions?: number
  /**
   * Provider, precision and static shape to build for (step-target.ts); default CPU float32 with
   * symbolic batch dims: one graph for every batch shape.
   */
  target?: ComputeTarget
  /** Rows pack several examples (data.packing; decoder-only): segment-id masks and a position_ids input. */
  packed?: boolean
  /** train.gradient_checkpointing: each transformer block's forward is recomputed in the backward (autodiff/recompute.ts). */
  gradientCheckpointing?: boolean
  /** The loss through the head piece by piece (head-loss.ts), the default; `false` builds the plain logits path (the bench's comparison). */
  lossThroughHead?: boolean
  /** Elements of a big frozen weight in float32 at once (ModelBuildOptions.weightPieceElements): tests make it small. */
  weightPieceElements?: number
  /**
   * The head runs at the labelled tokens only, named by the label_positions feed (engine/models/
   * label-rows.ts; labelPositionsFeed makes it): where the target takes it (takesLabelRows: the
   * CPU, a static shape with a `labeled` bound), else ignored. StepGraph.labelRows says whether the
   * graph takes it.
   */
  labelRows?: boolean
}

const CPU_TARGET: ComputeTarget = { provider: 'cpu', precision: 'fp32', shape: null }

/**
 * The model's forward pass into `graph` with the adapter attached at every site, up to the
 * token-mean cross-entropy over label tokens: the part every step graph (and the cluster job's
 * model.py, main/export/torchrun) shares.
 */
export function buildAdaptedLoss(graph: Graph, model: OpenedModel, adapterConfig: AdapterConfig, options: Pick<StepGraphOptions, 'maxPositions' | 'packed' | 'weightPieceElements' | 'labelRows'> & { lossThroughHead?: { gradient: boolean } }) {
  const attachment = createAdapter(adapterConfig).attach(graph, { dtype: 'float32' })
  const build: ModelBuildOptions = {
    hooks: attachment, mode: 'forward', labels: true, outputs: [], packed: options.packed ?? false,
    ...(options.maxPositions ? { maxPositions: options.maxPositions } : {}),
    ...(options.lossThroughHead ? { lossThroughHead: options.lossThroughHead, labelRows: options.labelRows ?? false } : {}),
    ...(options.weightPieceElements ? { weightPieceElements: options.weightPieceElements } : {}),
  }
  const { spec, checkpoint } = model
  const { values } = spec.family === 't5' ? buildT5(spec, checkpoint, build, graph) : buildDecoderOnly(spec, checkpoint, build, graph)
  return { adapter: attachment.finish(), loss: values.loss as Value }
}

/** Builds the step graph (no session): useful to inspect, and what buildTrainStep opens. */
export function buildStepGraph(model: OpenedModel, adapterConfig: AdapterConfig, options: StepGraphOptions): StepGraph {
  const target = options.target ?? CPU_TARGET
  const { graph: graphOptions } = graphOptionsFor(target)
  const graph = new Graph(graphOptions)
  // The loss through the head piece by piece (engine/models/head-loss.ts): a step never holds the
  // [batch, seq, vocab] logits, and a train step gets the head's input gradient in the same pass.
  const lossThroughHead = options.lossThroughHead === false ? undefined : { gradient: options.kind === 'train' }
  const labelRows = (options.labelRows ?? false) && lossThroughHead !== undefined && takesLabelRows(target)
  const { adapter, loss: taskLoss } = buildAdaptedLoss(graph, model, adapterConfig, { ...options, lossThroughHead, labelRows })
  const { spec } = model
  graph.output(STEP_OUTPUTS.loss, taskLoss)

  const routers: RouterOutputs[] = []
  const lossScaled = options.kind === 'train' && target.precision === 'fp16'
  if (options.kind === 'train') {
    let objective = taskLoss
    if (adapter.auxiliaryLoss) {
      const aux = F.cast(adapter.auxiliaryLoss, 'float32')
      graph.output(STEP_OUTPUTS.auxLoss, aux)
      objective = F.add(taskLoss, aux)
    }
    // fp16 products: differentiate loss × scale so small gradients survive fp16, then unscale
    // in float32. An overflow shows as a non-finite gradient; the trainer lowers the scale.
    const scale = lossScaled ? graph.input(STEP_OUTPUTS.lossScale, 'float32', []) : null
    const grads = gradients(scale ? F.mul(objective, scale) : objective, adapter.parameters.map((p) => p.value), { recompute: options.gradientCheckpointing ?? false })
    adapter.parameters.forEach((p, i) => graph.output(STEP_OUTPUTS.gradient(p.name), scale ? F.div(grads[i], scale) : grads[i]))
    adapter.routerStatistics().forEach((r, i) => {
      graph.output(STEP_OUTPUTS.routerLoad(i), r.load)
      graph.output(STEP_OUTPUTS.routerEntropy(i), r.entropy)
      routers.push({ module: r.site.module, site: r.site.site, layer: r.site.layer, experts: r.experts, load: STEP_OUTPUTS.routerLoad(i), entropy: STEP_OUTPUTS.routerEntropy(i) })
    })
  }
  return {
    kind: options.kind,
    graph,
    parameters: adapter.parameters,
    trainableParameterCount: adapter.trainableParameterCount,
    initialValues: (seed) => adapter.initialValues(seed),
    hasAuxLoss: adapter.auxiliaryLoss !== null,
    routers,
    seq2seq: spec.family === 't5',
    target,
    lossScaled,
    packed: options.packed ?? false,
    labelRows,
  }
}

export interface TrainStep extends StepGraph {
  session: GraphSession
  /** Providers not used for this step, each with why (for the run log; never a silent fallback). */
  rejected: readonly ProviderVerdict[]
}

export interface TrainStepOptions extends StepGraphOptions, Pick<CreateSessionOptions, 'threads' | 'profileFilePrefix'> {
  /** Default cpu (tests); runs pass their configured device. */
  device?: Device
  /** Default auto. */
  precision?: RequestedPrecision
  /** The static batch shape a GPU graph is built for; without it only the CPU is tried. */
  batchShape?: StaticBatchShape | null
  /** Dtype of the model's stored weights (auto picks bf16 on CUDA for a bf16 checkpoint). */
  storedDType?: string
  /** Facts about the onnxruntime build (tests pass their own). */
  facts?: ProviderFacts
}

/**
 * The train (or eval) step of `model` with the adapter `adapterConfig`, as an open session reused
 * for every step, on the first provider that runs it (runtime/open-for-target.ts): the CPU gets
 * the symbolic float32 graph, a GPU the static one with half-precision frozen products.
 */
export async function buildTrainStep(model: OpenedModel, adapterConfig: AdapterConfig, options: TrainStepOptions): Promise<TrainStep> {
  const { built, session, rejected } = await openForTarget(
    {
      device: options.device ?? 'cpu',
      precision: options.precision ?? 'auto',
      batchShape: options.batchShape ?? null,
      storedDType: options.storedDType ?? 'float32',
      modelType: model.spec.modelType,
      what: 'training step',
      // Measured (docs/BENCHMARKS.md "checkpointing"): ORT's memory pattern about doubles a CPU
      // train step's activation memory (3.4 GB against 1.7 GB at 2 × 2048 tokens) at the same
      // speed (8 × 256: 1.01×), and plans again for every new batch shape of a symbolic graph.
      cpuMemPattern: false,
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.facts ? { facts: options.facts } : {}),
      ...(options.profileFilePrefix ? { profileFilePrefix: options.profileFilePrefix } : {}),
    },
    (target) => buildStepGraph(model, adapterConfig, { ...options, target }),
  )
  return { ...built, session, rejected }
}
