// The mutable state of one emission: ONNX nodes and initializers written so far, shared
// constants, and the run-time shape tensors that symbolic dims become.
import { GraphBuildError, type Dim, type DType, type Graph, type Shape } from '../ir'
import type { AttributeProtoObject, NodeProtoObject, TensorProtoObject } from './proto'
import { AttributeType } from './proto'
import { encodeValues, onnxDataType } from './tensor-data'

export const attr = {
  int: (name: string, i: number): AttributeProtoObject => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: readonly number[]): AttributeProtoObject => ({ name, type: AttributeType.INTS, ints: [...ints] }),
  float: (name: string, f: number): AttributeProtoObject => ({ name, type: AttributeType.FLOAT, f }),
  string: (name: string, s: string): AttributeProtoObject => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
}

/** Where a symbol ("batch") can be read at run time: an axis of a graph input. */
interface SymbolBinding { input: string; axis: number }

/**
 * Which kernels the emitted graph may rely on: `cpu` uses every kernel of ORT's CPU provider;
 * `gpu` writes ops some GPU providers lack (LogSoftmax on WebGPU) as compositions they have.
 */
export type EmitTarget = 'cpu' | 'gpu'

export class EmitContext {
  readonly nodes: NodeProtoObject[] = []
  readonly initializers: TensorProtoObject[] = []
  /** Non-default op domains the nodes use (com.microsoft for the quantized ops). */
  readonly domains = new Set<string>()
  private readonly usedNames = new Set<string>()
  private readonly cache = new Map<string, string>()
  private readonly bindings = new Map<string, SymbolBinding>()

  constructor(
    graph: Graph,
    readonly target: EmitTarget = 'cpu',
  ) {
    for (const v of [...graph.inputs, ...graph.weights]) this.usedNames.add(v.name!)
    for (const o of graph.outputs) this.usedNames.add(o.name)
    // The first graph input that has a symbol as a whole axis binds it (products cannot bind).
    for (const v of graph.inputs) {
      v.shape.forEach((d, axis) => {
        if (typeof d === 'string' && !d.includes('*') && !this.bindings.has(d)) this.bindings.set(d, { input: v.name!, axis })
      })
    }
  }

  /** A fresh tensor/node name based on `base` ("layers.3.attn/MatMul_17"). */
  uniqueName(base: string): string {
    let name = base
    for (let i = 2; this.usedNames.has(name); i++) name = `${base}_${i}`
    this.usedNames.add(name)
    return name
  }

  /** Appends a node whose outputs are already named. */
  addNode(name: string, opType: string, inputs: readonly string[], outputs: readonly string[], attribute: AttributeProtoObject[] = [], domain = ''): void {
    const node: NodeProtoObject = { name: this.uniqueName(name), opType, input: [...inputs], output: [...outputs] }
    if (attribute.length) node.attribute = attribute
    if (domain) {
      node.domain = domain
      this.domains.add(domain)
    }
    this.nodes.push(node)
  }

  /** Appends a helper node with one fresh output; returns the output name. */
  helper(base: string, opType: string, inputs: readonly string[], attribute: AttributeProtoObject[] = [], domain = ''): string {
    const out = this.uniqueName(base)
    this.addNode(out, opType, inputs, [out], attribute, domain)
    return out
  }

  /** A constant initializer, shared between every use of the same values. */
  constant(dtype: DType, values: readonly number[], dims: readonly number[]): string {
    const key = `const:${dtype}:${dims.join('x')}:${values.join(',')}`
    const hit = this.cache.get(key)
    if (hit) return hit
    const name = this.uniqueName(`const/${dtype}_${values.length <= 4 ? values.join('_').replace(/[^0-9a-zA-Z_.-]/g, '') || 'empty' : `${values.length}values`}`)
    this.initializers.push({ name, dims: [...dims], dataType: onnxDataType(dtype), rawData: encodeValues(dtype, values) })
    this.cache.set(key, name)
    return name
  }

  int64s(values: readonly number[]): string {
    return this.constant('int64', values, [values.length])
  }

  /** An int64 [1] tensor holding a dim's run-time value ("batch", "batch*seq", 64). */
  dimTensor(dim: Dim): string {
    if (typeof dim === 'number') return this.int64s([dim])
    return this.cached(`dim:${dim}`, () => {
      const factors = dim.split('*').map((f) => (/^\d+$/.test(f) ? this.int64s([Number(f)]) : this.symbolTensor(f)))
      return factors.reduce((acc, f) => this.helper(`shape/${dim}`, 'Mul', [acc, f]))
    })
  }

  /** An int64 scalar holding a dim's run-time value (for Range). */
  dimScalar(dim: Dim): string {
    if (typeof dim === 'number') return this.constant('int64', [dim], [])
    return this.cached(`scalar:${dim}`, () => this.helper(`shape/${dim}_scalar`, 'Squeeze', [this.dimTensor(dim), this.int64s([0])]))
  }

  /**
   * An int64 [rank] tensor for a target shape. Static parts are constants; each symbolic dim is
   * read from the graph input that binds it, and the pieces are concatenated once per distinct shape.
   */
  shapeTensor(shape: Shape): string {
    if (shape.every((d) => typeof d === 'number')) return this.int64s(shape as number[])
    return this.cached(`shape:${shape.join(',')}`, () => {
      const pieces: string[] = []
      let run: number[] = []
      for (const d of shape) {
        if (typeof d === 'number') {
          run.push(d)
          continue
        }
        if (run.length) pieces.push(this.int64s(run))
        run = []
        pieces.push(this.dimTensor(d))
      }
      if (run.length) pieces.push(this.int64s(run))
      return this.helper(`shape/[${shape.join(',')}]`, 'Concat', pieces, [attr.int('axis', 0)])
    })
  }

  private symbolTensor(symbol: string): string {
    const binding = this.bindings.get(symbol)
    if (!binding) {
      throw new GraphBuildError(`symbolic dim "${symbol}" is used in a Reshape/Expand/Iota but no graph input has it as an axis; give an input a shape with "${symbol}" so it can be read at run time`)
    }
    return this.cached(`sym:${symbol}`, () =>
      this.helper(`shape/${symbol}`, 'Shape', [binding.input], [attr.int('start', binding.axis), attr.int('end', binding.axis + 1)]),
    )
  }

  /** The name `make` returns for `key`, made once per emission (shared helper nodes). */
  cached(key: string, make: () => string): string {
    const hit = this.cache.get(key)
    if (hit) return hit
    const name = make()
    this.cache.set(key, name)
    return name
  }
}
