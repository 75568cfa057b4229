// The engine's forward graph as Python: model.py of the cluster job (docs/DESIGN.md "The cluster job").
// One torch line per node, in graph order, so the job computes what the studio computes: the
// same ops, the same order, the same constants. Graph inputs are the batch feeds and the adapter's
// parameters (nn.Parameters under their native names); frozen weights are buffers read by name from
// the model's safetensors files; large constants (rotary tables ...) travel in constants.safetensors.
// Symbols (batch, seq, tgt) are bound from the feeds' shapes when forward runs.
import type { DType, Graph, Node, Value } from '../ir'
import { TORCH_LINES, torchDType, type TorchLineContext } from './ops'

/** Constants up to this many values are written into model.py; bigger ones go to constants.safetensors. */
const INLINE_CONSTANT_VALUES = 64

export interface TorchWeight {
  /** The file in the model folder (relative), and the tensor's checkpoint name. */
  file: string
  tensor: string
  shape: readonly number[]
  /** Loaded in the frozen-product dtype (every use is a product with it), else as stored. */
  inFrozenDType: boolean
}

export interface TorchConstant {
  name: string
  dtype: DType
  shape: readonly number[]
  data: ArrayLike<number>
}

export interface EmittedModel {
  /** The generated part of model.py (after the prelude). */
  source: string
  weights: TorchWeight[]
  /** The constants model.py reads from constants.safetensors (empty: no file needed). */
  constants: TorchConstant[]
}

export interface EmitOptions {
  /** A weight file's name as model.py finds it in the model folder (main/engine does no I/O: the caller says). */
  weightFile: (path: string) => string
  /** The adapter's parameters (graph inputs fed each step), in the native format's order. */
  parameters: readonly { name: string; shape: readonly number[] }[]
  /** Graph outputs returned by forward, by the key they are returned under. */
  outputs: readonly string[]
  /**
   * Routed sites' statistics (graph outputs `load` [experts] and `entropy` []): forward returns them
   * as `routers`, a list of (load, entropy) in this order, and model.py lists the sites as ROUTERS.
   */
  routers?: readonly { module: string; site: string; layer: number; experts: number; load: string; entropy: string }[]
  seq2seq: boolean
}

const py = (s: string): string => JSON.stringify(s)

function pyNumber(x: number): string {
  if (Number.isNaN(x)) return "float('nan')"
  if (x === Infinity) return "float('inf')"
  if (x === -Infinity) return "float('-inf')"
  return Number.isInteger(x) ? `${x}` : String(x)
}

/** Graph nodes in order, each transformer block's (Node.segment) run of nodes as one unit. */
function unitsOf(nodes: readonly Node[]): { segment: string | null; nodes: Node[] }[] {
  const units: { segment: string | null; nodes: Node[] }[] = []
  for (const node of nodes) {
    const last = units.at(-1)
    if (node.segment !== null && last?.segment === node.segment) last.nodes.push(node)
    else units.push({ segment: node.segment, nodes: [node] })
  }
  return units
}

function symbolName(symbol: string): string {
  return `d_${symbol.replace(/[^A-Za-z0-9_]/g, '_')}`
}

/** A dim as Python: a number, or the product of its factors' bound symbols. */
function dimExpression(d: number | string): string {
  if (typeof d === 'number') return String(d)
  return d
    .split('*')
    .map((f) => (/^\d+$/.test(f) ? f : symbolName(f)))
    .join(' * ')
}

export function emitTorchModel(graph: Graph, options: EmitOptions): EmittedModel {
  const parameterNames = new Set(options.parameters.map((p) => p.name))
  const feeds = graph.inputs.filter((v) => !parameterNames.has(v.name ?? ''))
  const missing = options.parameters.filter((p) => !graph.inputs.some((v) => v.name === p.name))
  if (missing.length > 0) throw new Error(`the graph has no input for adapter parameter ${missing[0].name}`)

  const frozen = graph.frozenMatmulDType
  const consumers = new Map<Value, Node[]>()
  for (const node of graph.nodes) for (const v of node.inputs) consumers.set(v, [...(consumers.get(v) ?? []), node])
  const isFrozenCast = (n: Node) => n.op === 'Cast' && (n.attrs as { to: DType }).to === frozen

  // Names: feeds and parameters by their graph names, weights and constants as module buffers.
  const expr = new Map<Value, string>()
  const weights: TorchWeight[] = []
  const weightOf = new Map<Value, TorchWeight>()
  graph.weights.forEach((w, i) => {
    if (w.origin.kind !== 'weight') return
    const source = w.origin.source
    if (source.kind !== 'file') throw new Error(`weight ${w.name}: only weights read from the model's files can be emitted`)
    const uses = consumers.get(w) ?? []
    const inFrozenDType = w.dtype === frozen || (uses.length > 0 && uses.every(isFrozenCast))
    const entry = { file: options.weightFile(source.path), tensor: w.name as string, shape: w.shape as number[], inFrozenDType }
    weights.push(entry)
    weightOf.set(w, entry)
    expr.set(w, `self.w${i}`)
  })
  const bigConstants: TorchConstant[] = []
  const constantLines: string[] = []
  graph.constants.forEach((c, i) => {
    if (c.origin.kind !== 'constant') return
    const shape = c.shape as number[]
    const data = c.origin.data
    if (data.length > INLINE_CONSTANT_VALUES) {
      bigConstants.push({ name: `c${i}`, dtype: c.dtype, shape, data })
      constantLines.push(`        self.register_buffer('c${i}', constants.tensor('c${i}', ${JSON.stringify(shape)}).to(device), persistent=False)`)
    } else {
      const values = `[${Array.from(data, pyNumber).join(', ')}]`
      constantLines.push(`        self.register_buffer('c${i}', torch.tensor(${values}, dtype=${torchDType(c.dtype)}).reshape(${JSON.stringify(shape)}).to(device), persistent=False)`)
    }
    expr.set(c, `self.c${i}`)
  })

  // Forward: bind symbols, then one line per node; a value is deleted after its last use so that
  // activations are freed as soon as nothing (autograd aside) needs them.
  const body: string[] = []
  feeds.forEach((v, i) => {
    const name = `x${i}`
    body.push(`${name} = feeds[${py(v.name as string)}]`)
    expr.set(v, name)
  })
  const bound = new Set<string>()
  feeds.forEach((v, i) =>
    v.shape.forEach((d, axis) => {
      if (typeof d === 'string' && !d.includes('*') && !bound.has(d)) {
        bound.add(d)
        body.push(`${symbolName(d)} = x${i}.shape[${axis}]`)
      }
    }),
  )
  for (const p of options.parameters) {
    const v = graph.inputs.find((i) => i.name === p.name) as Value
    expr.set(v, `P[${py(p.name)}]`)
  }
  const outputValues = new Set(graph.outputs.map((o) => o.value))
  const checkDim = (d: number | string): string => {
    if (typeof d === 'string') for (const f of d.split('*')) if (!/^\d+$/.test(f) && !bound.has(f)) throw new Error(`symbol '${f}' is bound by no feed of the graph`)
    return dimExpression(d)
  }
  const nodeLine = (node: Node): string => {
    const inputs = node.inputs.map((v) => {
      const e = expr.get(v)
      if (e === undefined) throw new Error(`${node.op}${node.scope ? ` (${node.scope})` : ''}: input ${v.describe()} is read before it is computed`)
      return e
    })
    const context: TorchLineContext = { inputs, dim: checkDim, dtype: torchDType, node, rank: (k) => node.inputs[k].rank, frozenCast: frozen }
    // A frozen weight loaded in the product dtype needs no cast.
    const line =
      isFrozenCast(node) && weightOf.get(node.inputs[0])?.inFrozenDType
        ? inputs[0]
        : (TORCH_LINES[node.op] as (a: unknown, c: TorchLineContext) => string)(node.attrs, context)
    const names = node.outputs.map((o) => `v${o.id}`)
    node.outputs.forEach((o, k) => expr.set(o, names[k]))
    return `${names.join(', ')} = ${line}${node.scope ? `  # ${node.scope}` : ''}`
  }

  // Each transformer block (Graph.block: Node.segment) becomes a method, which forward runs through
  // torch.utils.checkpoint when gradient checkpointing is on: the job's autodiff/recompute.ts.
  const units = unitsOf(graph.nodes)
  const isLocal = (v: Value) => v.origin.kind === 'node' || (v.origin.kind === 'input' && !parameterNames.has(v.name ?? ''))
  const reads = units.map((u) => {
    const defined = new Set(u.nodes.flatMap((n) => n.outputs))
    return [...new Set(u.nodes.flatMap((n) => n.inputs).filter((v) => isLocal(v) && !defined.has(v)))]
  })
  const lastRead = new Map<Value, number>()
  reads.forEach((values, i) => values.forEach((v) => lastRead.set(v, i)))
  const symbols = [...bound].map(symbolName)
  const blocks: string[] = []
  units.forEach((unit, i) => {
    if (unit.segment === null) body.push(nodeLine(unit.nodes[0]))
    else {
      const args = [...symbols, ...reads[i].map((v) => expr.get(v) as string)].join(', ')
      const lastInside = new Map<Value, number>()
      unit.nodes.forEach((n, k) => n.inputs.forEach((v) => lastInside.set(v, k)))
      const later = new Set(reads.slice(i + 1).flat())
      const outputs = unit.nodes.flatMap((n) => n.outputs).filter((v) => later.has(v) || outputValues.has(v))
      const method = `block_${blocks.length}`
      const lines: string[] = []
      unit.nodes.forEach((n, k) => {
        lines.push(nodeLine(n))
        const dead = [...new Set(n.inputs)].filter((v) => v.origin.kind === 'node' && lastInside.get(v) === k && !reads[i].includes(v) && !outputs.includes(v))
        if (dead.length > 0) lines.push(`del ${dead.map((v) => expr.get(v)).join(', ')}`)
      })
      const names = `${outputs.map((v) => expr.get(v) as string).join(', ')}${outputs.length === 1 ? ',' : ''}`
      lines.push(`return ${names}`)
      blocks.push(['', `    def ${method}(self, P, ${args}):`, `        """${unit.segment}"""`, ...lines.map((l) => `        ${l}`)].join('\n'))
      body.push(`${names} = self._run_block(self.${method}, P, ${args})`)
    }
    const dead = reads[i].filter((v) => v.origin.kind === 'node' && lastRead.get(v) === i && !outputValues.has(v))
    if (dead.length > 0) body.push(`del ${dead.map((v) => expr.get(v)).join(', ')}`)
  })
  const outputExpr = (name: string): string => {
    const out = graph.outputs.find((o) => o.name === name)
    if (!out) throw new Error(`the graph has no output ${name}`)
    return expr.get(out.value) as string
  }
  const routers = options.routers ?? []
  const returned = [
    ...options.outputs.map((name) => `${py(name)}: ${outputExpr(name)}`),
    ...(routers.length > 0 ? [`"routers": [${routers.map((r) => `(${outputExpr(r.load)}, ${outputExpr(r.entropy)})`).join(', ')}]`] : []),
  ]
  body.push(`return {${returned.join(', ')}}`)

  const source = [
    `SEQ2SEQ = ${options.seq2seq ? 'True' : 'False'}`,
    `FEEDS = [${feeds.map((v) => py(v.name as string)).join(', ')}]`,
    `HAS_AUX_LOSS = ${options.outputs.includes('aux_loss') ? 'True' : 'False'}`,
    '# Routed sites (MoV, MoLoRA): forward returns each one\'s mean expert load and routing entropy as "routers", in this order.',
    `ROUTERS = [${routers.map((r) => `{"module": ${py(r.module)}, "site": ${py(r.site)}, "layer": ${r.layer}, "experts": ${r.experts}}`).join(', ')}]`,
    '# The adapter tensors (native names and shapes), in the order of the native format.',
    `PARAMETERS = [`,
    ...options.parameters.map((p) => `    (${py(p.name)}, ${JSON.stringify(p.shape)}),`),
    ']',
    '# The frozen weights: (file in the model folder, tensor name, shape, loaded in the product dtype).',
    'WEIGHTS = [',
    ...weights.map((w) => `    (${py(w.file)}, ${py(w.tensor)}, ${JSON.stringify(w.shape)}, ${w.inFrozenDType ? 'True' : 'False'}),`),
    ']',
    '',
    '',
    'class MixtureModel(torch.nn.Module):',
    '    """The base model with the adapter attached at every site; forward returns the token-mean loss."""',
    '',
    "    def __init__(self, model_dir, frozen_dtype=torch.float32, device='cpu', checkpointing=False):",
    '        super().__init__()',
    '        self.device = torch.device(device)',
    '        # The dtype of products with frozen weights: float32 on CPUs, bfloat16 or float16 on GPUs.',
    '        self.frozen_dtype = frozen_dtype',
    '        # Recompute each transformer block in the backward pass instead of keeping its activations.',
    '        self.checkpointing = checkpointing',
    '        self.adapter = torch.nn.Module()',
    '        for name, shape in PARAMETERS:',
    '            _nest_parameter(self.adapter, name, torch.nn.Parameter(torch.zeros(shape, dtype=torch.float32, device=self.device)))',
    '        for i, tensor in enumerate(_load_weights(model_dir, WEIGHTS, frozen_dtype)):',
    "            self.register_buffer('w%d' % i, tensor.to(self.device), persistent=False)",
    ...(bigConstants.length > 0 ? ["        constants = SafetensorsFile(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'constants.safetensors'))"] : []),
    ...constantLines,
    '',
    '    def adapter_parameters(self):',
    '        """name -> nn.Parameter, the native names, in the native order."""',
    '        named = dict(self.adapter.named_parameters())',
    '        return {name: named[name] for name, _ in PARAMETERS}',
    '',
    '    def load_adapter(self, values):',
    '        """Copies adapter values in (a dict name -> tensor or array), checking names and shapes."""',
    '        parameters = self.adapter_parameters()',
    '        missing = [name for name in parameters if name not in values]',
    '        if missing:',
    "            raise ModelFilesError('the adapter values lack %s' % ', '.join(missing[:3]))",
    '        with torch.no_grad():',
    '            for name, parameter in parameters.items():',
    '                value = torch.as_tensor(values[name], dtype=torch.float32)',
    '                if tuple(value.shape) != tuple(parameter.shape):',
    "                    raise ModelFilesError('adapter tensor %s is %s, the model needs %s' % (name, list(value.shape), list(parameter.shape)))",
    '                parameter.copy_(value)',
    '',
    '    def _run_block(self, block, P, *args):',
    '        """A transformer block; with checkpointing its activations are recomputed in the backward pass."""',
    '        if self.checkpointing and torch.is_grad_enabled():',
    '            return torch.utils.checkpoint.checkpoint(block, P, *args, use_reentrant=False)',
    '        return block(P, *args)',
    '',
    '    def forward(self, feeds):',
    '        P = self.adapter_parameters()',
    ...body.map((l) => `        ${l}`),
    ...blocks,
    '',
  ].join('\n')

  return { source, weights, constants: bigConstants }
}
