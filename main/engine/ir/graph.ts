import type { DType } from './dtype'
import { formatShape, type Shape } from './shape'
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
  private readonly names = new Set<string>()

  /** A tensor fed at run time (token ids, masks, adapter parameters). */
  input(name: string, dtype: DType, shape: Shape): Value {
    this.claimName(name)
    const v = new Value(this, this.nextId++, dtype, [...shape], { kind: 'input' }, name)
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
    const specs = inferOutputs(op, inputs, attrs)
    const outputs: Value[] = []
    const node: Node<K> = { id: this.nextId++, op, inputs: [...inputs], attrs, outputs, scope: this.scopeStack.join('.') || null }
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

  private claimName(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate graph input/weight name ${name}`)
    this.names.add(name)
  }
}
