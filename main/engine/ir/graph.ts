import type { DType } from './dtype'
import { formatShape, type Dim, type Shape } from './shape'
import { inferOutputs, type OpAttrs, type OpName } from './ops'

/** Where a frozen weight's bytes live: inside a safetensors file (external data) or inline. */
export type WeightSource =
  | { kind: 'file'; path: string; offset: number; length: number }
  | { kind: 'inline'; data: ArrayLike<number> }

export type ValueOrigin =
  | { kind: 'input' }
  | { kind: 'constant'; data: ArrayLike<number> }
  | { kind: 'weight'; source: WeightSource }
  | { kind: 'node'; node: Node; index: number }

/** A symbolic tensor: dtype and shape are known when the graph is built. */
export class Value {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly origin: ValueOrigin,
    /** Graph inputs, weights and outputs have names; intermediate values get one on emission. */
    public name: string | null = null,
  ) {}

  get rank(): number {
    return this.shape.length
  }

  /** "name: float32[batch, seq, 64]" for error messages. */
  describe(): string {
    return `${this.name ?? `%${this.id}`}: ${this.dtype}${formatShape(this.shape)}`
  }
}

export interface Node<K extends OpName = OpName> {
  readonly id: number
  readonly op: K
  readonly inputs: readonly Value[]
  readonly attrs: OpAttrs<K>
  readonly outputs: readonly Value[]
  /** Optional label (e.g. "layers.3.attn") that emission turns into the ONNX node name. */
  readonly scope: string | null
  /**
   * The transformer block (Graph.block) the node was built in, e.g. "layers.3"; null outside
   * every block. Gradient checkpointing recomputes a block's nodes in the backward pass.
   */
  readonly segment: string | null
}

/** How a graph is built for a target (defaults: symbolic dims, declared dtypes, float32 products). */
export interface GraphOptions {
  /**
   * Pins symbols to numbers ({ batch: 8, seq: 256 }): every input declared with them gets a
   * static shape, so shape inference makes the whole graph static and emission writes constant
   * shapes instead of Shape/Concat nodes. GPU providers need that: ORT keeps run-time shape
   * arithmetic on the CPU, which a GPU session refuses (no silent fallback).
   */
  fixedDims?: Readonly<Record<string, number>>
  /**
   * Replaces the dtype an input is declared with, by name ({ attention_mask: 'float32' }). The
   * builders cast what they read, so a mask fed as float32 or labels as int32 need no int64
   * kernel: ORT's WebGPU provider lacks most of them and would leave those nodes on the CPU.
   */
  inputDTypes?: Readonly<Record<string, DType>>
  /**
   * The dtype products with frozen weights run in (docs/DESIGN.md "Precision": fp16/bf16 on a GPU).
   * nn/linear reads it; activations, norms, softmax, loss and adapters stay float32.
   */
  frozenMatmulDType?: DType
}

/**
 * A dataflow graph in the engine's closed op set. Building a node runs shape inference at
 * once, so a shape error surfaces where the model code made it, naming the op and shapes.
 */
export class Graph {
  readonly nodes: Node[] = []
  readonly inputs: Value[] = []
  readonly weights: Value[] = []
  readonly constants: Value[] = []
  readonly outputs: { name: string; value: Value }[] = []
  private nextId = 0
  private scopeStack: string[] = []
  private currentSegment: string | null = null
  private readonly names = new Set<string>()

  readonly fixedDims: Readonly<Record<string, number>>
  /** Declared dtypes replaced by name (see GraphOptions.inputDTypes). */
  private readonly inputDTypes: Readonly<Record<string, DType>>
  /** The dtype frozen-weight products run in (see GraphOptions.frozenMatmulDType). */
  readonly frozenMatmulDType: DType

  constructor(options: GraphOptions = {}) {
    this.fixedDims = options.fixedDims ?? {}
    this.inputDTypes = options.inputDTypes ?? {}
    this.frozenMatmulDType = options.frozenMatmulDType ?? 'float32'
    for (const [symbol, size] of Object.entries(this.fixedDims)) {
      if (!Number.isInteger(size) || size < 1) throw new Error(`fixed dim "${symbol}" must be a positive integer, got ${size}`)
    }
  }

  /** A tensor fed at run time (token ids, masks, adapter parameters). */
  input(name: string, dtype: DType, shape: Shape): Value {
    this.claimName(name)
    const v = new Value(this, this.nextId++, this.inputDTypes[name] ?? dtype, shape.map((d) => this.fixDim(d)), { kind: 'input' }, name)
    this.inputs.push(v)
    return v
  }

  /** A frozen weight, emitted as an initializer (external data when it lives in a file). */
  weight(name: string, dtype: DType, shape: Shape, source: WeightSource): Value {
    this.claimName(name)
    const v = new Value(this, this.nextId++, dtype, [...shape], { kind: 'weight', source }, name)
    this.weights.push(v)
    return v
  }

  /** A small constant baked into the graph. */
  constant(data: ArrayLike<number>, dtype: DType, shape: readonly number[] = []): Value {
    const size = shape.reduce((a, b) => a * b, 1)
    if (data.length !== size) throw new Error(`constant of shape ${formatShape(shape)} needs ${size} values, got ${data.length}`)
    const v = new Value(this, this.nextId++, dtype, [...shape], { kind: 'constant', data: Array.from(data) })
    this.constants.push(v)
    return v
  }

  scalar(value: number, dtype: DType): Value {
    return this.constant([value], dtype, [])
  }

  /** Adds one node; returns its outputs. Throws GraphBuildError naming op, inputs and shapes. */
  apply<K extends OpName>(op: K, inputs: readonly Value[], attrs: OpAttrs<K>): Value[] {
    for (const v of inputs) {
      if (v.graph !== this) throw new Error(`${op}: input ${v.describe()} belongs to another graph`)
    }
    attrs = this.fixAttrs(attrs)
    const specs = inferOutputs(op, inputs, attrs)
    const outputs: Value[] = []
    const node: Node<K> = { id: this.nextId++, op, inputs: [...inputs], attrs, outputs, scope: this.scopeStack.join('.') || null, segment: this.currentSegment }
    specs.forEach((s, index) => outputs.push(new Value(this, this.nextId++, s.dtype, s.shape, { kind: 'node', node, index })))
    this.nodes.push(node as unknown as Node)
    return outputs
  }

  /** Single-output convenience over apply(). */
  op<K extends OpName>(op: K, inputs: readonly Value[], attrs: OpAttrs<K>): Value {
    return this.apply(op, inputs, attrs)[0]
  }

  output(name: string, value: Value): void {
    if (value.graph !== this) throw new Error(`output ${name} belongs to another graph`)
    if (this.outputs.some((o) => o.name === name)) throw new Error(`duplicate graph output name ${name}`)
    this.outputs.push({ name, value })
  }

  /** Runs `build` with `name` appended to the scope used to label nodes. */
  scoped<T>(name: string, build: () => T): T {
    this.scopeStack.push(name)
    try {
      return build()
    } finally {
      this.scopeStack.pop()
    }
  }

  /**
   * scoped(name, build) that also marks every node built inside as one block (Node.segment: the
   * full scope, e.g. "layers.3"): the unit whose activations gradient checkpointing recomputes.
   * Blocks do not nest.
   */
  block<T>(name: string, build: () => T): T {
    if (this.currentSegment !== null) throw new Error(`block "${name}" inside block "${this.currentSegment}": blocks do not nest`)
    return this.scoped(name, () => {
      this.currentSegment = this.scopeStack.join('.')
      try {
        return build()
      } finally {
        this.currentSegment = null
      }
    })
  }

  /** Target shapes (Reshape, Expand) and lengths (Iota) written with fixed symbols become static. */
  private fixAttrs<A>(attrs: A): A {
    if (Object.keys(this.fixedDims).length === 0) return attrs
    const a = attrs as Record<string, unknown>
    if (Array.isArray(a.shape)) return { ...a, shape: (a.shape as Dim[]).map((d) => this.fixDim(d)) } as A
    if (typeof a.length === 'string') return { ...a, length: this.fixDim(a.length) } as A
    return attrs
  }

  /** A symbol (or "a*b" product) whose symbols are all fixed becomes its number. */
  private fixDim(dim: Dim): Dim {
    if (typeof dim === 'number') return dim
    const factors = dim.split('*').map((f) => (/^\d+$/.test(f) ? Number(f) : this.fixedDims[f]))
    if (factors.some((f) => f === undefined)) return dim
    return factors.reduce((a, b) => a * b, 1)
  }

  private claimName(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate graph input/weight name ${name}`)
    this.names.add(name)
  }
}
