import { isStatic, type Graph, type Node, type Value, type WeightSource } from '../ir'
import { InterpreterError, SymbolBindings } from './bindings'
import { KERNELS, type Kernel, type KernelContext } from './kernels'
import { ndarray, type NdArray } from './ndarray'
import { decodeTensorBytes } from './weights'

export type FileWeightSource = Extract<WeightSource, { kind: 'file' }>

export interface ReferenceOptions {
  /**
   * Bytes of a weight stored in a file (e.g. a safetensors slice). main/engine does no I/O,
   * so the caller (main/runtime, tests) supplies the reader; little-endian, `source.length` bytes.
   */
  readWeightBytes?: (source: FileWeightSource, weight: Value) => Uint8Array
}

export type Feeds = Readonly<Record<string, NdArray>>

function nodeLabel(node: Node): string {
  return `${node.op}${node.scope ? ` (scope ${node.scope})` : ''}`
}

/** Nodes that `fetches` depend on, in graph (topological) order. */
function nodesNeededFor(graph: Graph, fetches: readonly Value[]): Node[] {
  const needed = new Set<Node>()
  const stack = [...fetches]
  while (stack.length > 0) {
    const v = stack.pop() as Value
    if (v.graph !== graph) throw new InterpreterError(`fetch ${v.describe()} belongs to another graph`)
    if (v.origin.kind !== 'node' || needed.has(v.origin.node)) continue
    needed.add(v.origin.node)
    stack.push(...v.origin.node.inputs)
  }
  return graph.nodes.filter((n) => needed.has(n))
}

function loadWeight(weight: Value, bindings: SymbolBindings, options: ReferenceOptions): NdArray {
  if (weight.origin.kind !== 'weight') throw new Error('not a weight')
  const shape = bindings.resolveShape(weight.shape)
  const source = weight.origin.source
  const count = shape.reduce((a, b) => a * b, 1)
  if (source.kind === 'inline') {
    if (source.data.length !== count) throw new InterpreterError(`weight ${weight.describe()}: inline data holds ${source.data.length} values, shape needs ${count}`)
    return ndarray(weight.dtype, shape, source.data)
  }
  if (!options.readWeightBytes) throw new InterpreterError(`weight ${weight.describe()} lives in ${source.path}; pass readWeightBytes to read it`)
  const bytes = options.readWeightBytes(source, weight)
  return { dtype: weight.dtype, shape, data: decodeTensorBytes(weight.dtype, bytes, count, weight.name ?? `%${weight.id}`) }
}

/**
 * Evaluates `fetches` in float64 (every float dtype is computed at float64 precision).
 * Feeds are keyed by graph input name; symbols in shapes are bound from the fed shapes.
 * Only the nodes the fetches depend on run, and only the inputs they read must be fed.
 * Every node's output shape is checked against the shape inferred when the graph was built.
 */
export function evaluate(graph: Graph, feeds: Feeds, fetches: readonly Value[], options: ReferenceOptions = {}): NdArray[] {
  const bindings = SymbolBindings.fromFeeds(graph, feeds)
  const computed = new Map<Value, NdArray>()

  const valueOf = (v: Value): NdArray => {
    const known = computed.get(v)
    if (known) return known
    let array: NdArray
    switch (v.origin.kind) {
      case 'input': {
        const fed = v.name === null ? undefined : feeds[v.name]
        if (!fed) throw new InterpreterError(`input '${v.name}' (${v.describe()}) is needed but was not fed`)
        array = fed
        break
      }
      case 'constant':
        if (!isStatic(v.shape)) throw new InterpreterError(`constant ${v.describe()} has a symbolic shape`)
        array = ndarray(v.dtype, v.shape, v.origin.data)
        break
      case 'weight':
        array = loadWeight(v, bindings, options)
        break
      case 'node':
        throw new InterpreterError(`value ${v.describe()} of ${nodeLabel(v.origin.node)} was read before it was computed`)
    }
    computed.set(v, array)
    return array
  }

  for (const node of nodesNeededFor(graph, fetches)) {
    const label = nodeLabel(node)
    const ctx: KernelContext = {
      outDTypes: node.outputs.map((o) => o.dtype),
      resolveShape: (shape) => bindings.resolveShape(shape),
      fail: (message) => {
        throw new InterpreterError(`${label}: ${message}`)
      },
    }
    const kernel = KERNELS[node.op] as Kernel<typeof node.op>
    const results = kernel(node.inputs.map(valueOf), node.attrs, ctx)
    node.outputs.forEach((out, i) => {
      const result = results[i]
      const declared = bindings.resolveShape(out.shape)
      if (result.shape.length !== declared.length || result.shape.some((d, k) => d !== declared[k])) {
        throw new InterpreterError(`${label}: output ${i} has shape [${result.shape.join(', ')}] but the graph declares ${out.describe()} = [${declared.join(', ')}]`)
      }
      if (result.dtype !== out.dtype) throw new InterpreterError(`${label}: output ${i} is ${result.dtype} but the graph declares ${out.dtype}`)
      computed.set(out, result)
    })
  }
  return fetches.map(valueOf)
}

/** Evaluates every named graph output. */
export function runReference(graph: Graph, feeds: Feeds, options: ReferenceOptions = {}): Record<string, NdArray> {
  const arrays = evaluate(graph, feeds, graph.outputs.map((o) => o.value), options)
  return Object.fromEntries(graph.outputs.map((o, i) => [o.name, arrays[i]]))
}

