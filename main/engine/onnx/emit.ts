// Graph -> ONNX ModelProto. Opset 18: every reduction (Sum, Mean, Max) takes its axes as an
// input there, so reductions have one form, and ScatterElements has reduction='add' (16+).
// ORT 1.30's CPU, CUDA and WebGPU providers all register opset-18 kernels for what we emit.
import { GraphBuildError, type Graph, type Node, type Value } from '../ir'
import { recomputedBlockMarks } from './block-marks'
import { attr, EmitContext, type EmitTarget } from './emit-context'
import { emitters } from './emit-ops'
import { emitGemmTransB, emittedInputs, planTransposes, type TransposePlan } from './emit-transposes'
import { encodeModel, type ModelProtoObject, type TensorProtoObject, type ValueInfoProtoObject } from './proto'
import { encodeValues, onnxDataType } from './tensor-data'

export const ONNX_OPSET = 18
/** IR version 8 is the first that carries opset 18. */
export const ONNX_IR_VERSION = 8

export interface EmitOptions {
  /**
   * The `location` written for a weight stored in a file: a path relative to the folder ORT
   * resolves external data against (see main/runtime/external-data.ts). Default: the path as given.
   */
  externalLocation?: (path: string) => string
  graphName?: string
  /** Default `cpu`; see EmitTarget. */
  target?: EmitTarget
}

/** Constants up to this many elements are shared between identical uses. */
const SHARED_CONSTANT_LIMIT = 64

export function emitModel(graph: Graph, options: EmitOptions = {}): ModelProtoObject {
  const taken = new Set([...graph.inputs, ...graph.weights].map((v) => v.name!))
  for (const o of graph.outputs) {
    if (taken.has(o.name)) throw new GraphBuildError(`graph output "${o.name}" has the name of a graph input or weight; ONNX needs distinct names (rename the output)`)
  }
  const ctx = new EmitContext(graph, options.target)
  const externalLocation = options.externalLocation ?? ((path: string) => path)
  const names = new Map<Value, string>()
  const plan = planTransposes(graph.nodes, new Set(graph.outputs.map((o) => o.value)))
  const live = liveNodes(graph, plan)
  const used = new Set<Value>()
  for (const node of live) emittedInputs(plan, node).forEach((v) => used.add(v))
  graph.outputs.forEach((o) => used.add(o.value))

  for (const v of graph.inputs) names.set(v, v.name!)
  const weights: TensorProtoObject[] = []
  for (const w of graph.weights) {
    if (!used.has(w)) continue
    names.set(w, w.name!)
    weights.push(weightInitializer(w, externalLocation))
  }
  for (const c of graph.constants) {
    if (!used.has(c) || c.origin.kind !== 'constant') continue
    const values = Array.from(c.origin.data)
    const dims = c.shape as number[]
    if (values.length <= SHARED_CONSTANT_LIMIT) names.set(c, ctx.constant(c.dtype, values, dims))
    else {
      const name = ctx.uniqueName(`const/${c.id}`)
      ctx.initializers.push({ name, dims: [...dims], dataType: onnxDataType(c.dtype), rawData: encodeValues(c.dtype, values) })
      names.set(c, name)
    }
  }

  // A graph output produced by a node names that node's output directly; anything else
  // (an input, a weight, a value already named) goes through an Identity.
  const pendingIdentity: { name: string; value: Value }[] = []
  for (const o of graph.outputs) {
    if (o.value.origin.kind === 'node' && !names.has(o.value)) names.set(o.value, o.name)
    else pendingIdentity.push(o)
  }

  for (const node of live) {
    const base = `${node.scope ? `${node.scope}/` : ''}${node.op}_${node.id}`
    const outputs = node.outputs.map((v, i) => {
      const existing = names.get(v)
      if (existing) return existing
      const name = ctx.uniqueName(node.outputs.length === 1 ? base : `${base}:${i}`)
      names.set(v, name)
      return name
    })
    const inputs = emittedInputs(plan, node).map((v) => {
      const name = names.get(v)
      if (!name) throw new Error(`emit: ${node.op} node ${node.id} reads ${v.describe()}, which has no producer in this graph`)
      return name
    })
    const collapsed = plan.collapsed.get(node)
    if (plan.gemmTransB.has(node)) emitGemmTransB(ctx, base, node, inputs, outputs[0])
    else if (collapsed) ctx.addNode(base, 'Transpose', inputs, outputs, [attr.ints('perm', collapsed.perm)])
    else {
      const emit = emitters[node.op] as (c: EmitContext, r: { node: Node; name: string; inputs: string[]; outputs: string[] }) => void
      emit(ctx, { node, name: base, inputs, outputs })
    }
  }
  for (const o of pendingIdentity) ctx.addNode(`output/${o.name}`, 'Identity', [names.get(o.value)!], [o.name])

  return {
    irVersion: ONNX_IR_VERSION,
    producerName: 'mixture-studio',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: ONNX_OPSET }, ...[...ctx.domains].map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: options.graphName ?? 'mixture_studio',
      node: ctx.nodes,
      initializer: [...weights, ...ctx.initializers],
      input: graph.inputs.map((v) => valueInfo(v.name!, v)),
      output: graph.outputs.map((o) => valueInfo(o.name, o.value)),
      valueInfo: intermediateValueInfo(live, graph, names),
    },
  }
}

/** emitModel + protobuf encoding. */
export function emitModelBytes(graph: Graph, options: EmitOptions = {}): Uint8Array {
  return encodeModel(emitModel(graph, options))
}

/** Nodes on a path to some graph output as emitted (absorbed transposes are not), in build (topological) order. */
function liveNodes(graph: Graph, plan: TransposePlan): Node[] {
  const live = new Set<Node>()
  const stack = graph.outputs.map((o) => o.value)
  while (stack.length) {
    const v = stack.pop()!
    if (v.origin.kind !== 'node' || live.has(v.origin.node)) continue
    live.add(v.origin.node)
    stack.push(...emittedInputs(plan, v.origin.node))
  }
  return graph.nodes.filter((n) => live.has(n))
}

function weightInitializer(w: Value, externalLocation: (path: string) => string): TensorProtoObject {
  const dims = w.shape.map((d) => {
    if (typeof d !== 'number') throw new Error(`emit: weight ${w.describe()} must have a static shape`)
    return d
  })
  const base: TensorProtoObject = { name: w.name!, dims, dataType: onnxDataType(w.dtype) }
  const source = (w.origin as Extract<Value['origin'], { kind: 'weight' }>).source
  if (source.kind === 'inline') return { ...base, rawData: encodeValues(w.dtype, source.data) }
  return {
    ...base,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: externalLocation(source.path) },
      { key: 'offset', value: String(source.offset) },
      { key: 'length', value: String(source.length) },
    ],
  }
}

/**
 * The type and shape of every node output that is not a graph output, as the IR inferred them.
 * Without them ORT infers intermediate shapes itself and names each symbolic dim it cannot follow
 * (a Reshape to a run-time shape, an Expand) anew; its allocation planner then matches no freed
 * buffer to a new one and compares every new one against them all: a train step of a random
 * gemma-3-270m-shaped model opened in 16.8 s, and opens in 2.1 s with them (docs/ENGINE-NOTES.md).
 * In a graph that recomputes blocks (gradient checkpointing) each symbolic dim also carries the
 * mark of its block's part (block-marks.ts: `seq@b3`), so that the planner reuses buffers within
 * that part only: shared across blocks, they wait idle for the next block's tensors of the same
 * shape, which cost checkpointing most of what it saves.
 */
function intermediateValueInfo(live: readonly Node[], graph: Graph, names: ReadonlyMap<Value, string>): ValueInfoProtoObject[] {
  const marks = recomputedBlockMarks(live)
  const outputs = new Set(graph.outputs.map((o) => o.value))
  const infos: ValueInfoProtoObject[] = []
  for (const node of live) {
    const mark = marks?.get(node) ?? ''
    for (const v of node.outputs) {
      const name = names.get(v)
      if (name !== undefined && !outputs.has(v)) infos.push(valueInfo(name, v, mark))
    }
  }
  return infos
}

/** `mark`, when given, is appended to every symbolic dim ("seq" becomes "seq@b3"): see intermediateValueInfo. */
function valueInfo(name: string, v: Value, mark = ''): ValueInfoProtoObject {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnxDataType(v.dtype),
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: mark ? `${d}@${mark}` : d })) },
      },
    },
  }
}
