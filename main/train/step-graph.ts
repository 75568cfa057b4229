// The train step as ONE plain ONNX graph (DESIGN.md "The training engine"): the model's forward
// pass with the adapter attached at every site, the token-mean cross-entropy over label tokens
// (plus the load-balancing term when configured), and the gradient of that loss for every
// adapter parameter. Parameters are graph inputs fed each step; their gradients are outputs.
// The eval step shares the builder and stops at the loss. The bench reuses buildTrainStep.
import { gradients } from '../engine/autodiff'
import { createAdapter, type AdapterConfig, type AdapterParameter } from '../engine/adapters'
import { F, Graph, type Value } from '../engine/ir'
import { buildDecoderOnly, buildT5, type ModelBuildOptions } from '../engine/models'
import type { OpenedModel } from '../models/inference/open-model'
import { createGraphSession, type CreateSessionOptions, type GraphSession } from '../runtime'

export type StepKind = 'train' | 'eval'

/** Graph outputs, by role. */
export const STEP_OUTPUTS = {
  /** float32 []: token-mean cross-entropy over label tokens of the batch (without the balancing term). */
  loss: 'loss',
  /** float32 []: the load-balancing term added to the loss before differentiation (when configured). */
  auxLoss: 'aux_loss',
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
}

export interface StepGraphOptions {
  kind: StepKind
  /** Longest sequence the graph must handle (sizes the rotary tables); default: the model's context. */
  maxPositions?: number
}

/** Builds the step graph (no session): useful to inspect, and what buildTrainStep opens. */
export function buildStepGraph(model: OpenedModel, adapterConfig: AdapterConfig, options: StepGraphOptions): StepGraph {
  const graph = new Graph()
  const attachment = createAdapter(adapterConfig).attach(graph, { dtype: 'float32' })
  const build: ModelBuildOptions = { hooks: attachment, mode: 'forward', labels: true, outputs: [], ...(options.maxPositions ? { maxPositions: options.maxPositions } : {}) }
  const { spec, checkpoint } = model
  const { values } = spec.family === 't5' ? buildT5(spec, checkpoint, build, graph) : buildDecoderOnly(spec, checkpoint, build, graph)
  const adapter = attachment.finish()
  const taskLoss = values.loss as Value
  graph.output(STEP_OUTPUTS.loss, taskLoss)

  const routers: RouterOutputs[] = []
  if (options.kind === 'train') {
    let objective = taskLoss
    if (adapter.auxiliaryLoss) {
      const aux = F.cast(adapter.auxiliaryLoss, 'float32')
      graph.output(STEP_OUTPUTS.auxLoss, aux)
      objective = F.add(taskLoss, aux)
    }
    const grads = gradients(objective, adapter.parameters.map((p) => p.value))
    adapter.parameters.forEach((p, i) => graph.output(STEP_OUTPUTS.gradient(p.name), grads[i]))
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
  }
}

export interface TrainStep extends StepGraph {
  session: GraphSession
}

/**
 * The train (or eval) step of `model` with the adapter `adapterConfig`, as an open session,
 * reused for every step. Options pick the device and threads (CPU float32 is what runs today).
 */
export async function buildTrainStep(
  model: OpenedModel,
  adapterConfig: AdapterConfig,
  options: StepGraphOptions & Pick<CreateSessionOptions, 'device' | 'threads'>,
): Promise<TrainStep> {
  const step = buildStepGraph(model, adapterConfig, options)
  const session = await createGraphSession(step.graph, { device: options.device ?? 'cpu', ...(options.threads ? { threads: options.threads } : {}) })
  return { ...step, session }
}
