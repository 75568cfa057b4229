// Where each node of a graph ran, read from an onnxruntime profile. A graph whose shapes change
// between runs (generation: the prompt, then one token a step) cannot refuse CPU fallback on a
// GPU: ORT computes its shape arithmetic (Shape, Concat of dims, Range over positions, the
// mask's comparisons) on the CPU by design, before each GPU kernel launch. Anything else on the
// CPU is real work the GPU has no kernel for, and is named (docs/DESIGN.md: never a silent fallback).
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

export interface PlacedNode {
  name: string
  op: string
  provider: string
  /** onnxruntime type names: float, float16, bfloat16, int64, bool, ... */
  inputTypes: string[]
  outputTypes: string[]
}

interface ProfileEvent {
  cat?: string
  name?: string
  args?: { op_name?: string; provider?: string; input_type_shape?: Record<string, unknown>[]; output_type_shape?: Record<string, unknown>[] }
}

/** The nodes one profile recorded (each node once, however many runs it covers). */
export function readProfilePlacement(file: string): PlacedNode[] {
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[]
  const nodes = new Map<string, PlacedNode>()
  for (const { cat, name, args } of events) {
    if (cat !== 'Node' || !name?.endsWith('_kernel_time') || !args?.op_name || !args.provider) continue
    const node = name.slice(0, -'_kernel_time'.length)
    if (nodes.has(node)) continue
    const types = (list: Record<string, unknown>[] | undefined) => (list ?? []).flatMap((entry) => Object.keys(entry))
    nodes.set(node, { name: node, op: args.op_name, provider: args.provider, inputTypes: types(args.input_type_shape), outputTypes: types(args.output_type_shape) })
  }
  return [...nodes.values()]
}

/** The profile file onnxruntime wrote for `prefix` (it appends a timestamp). */
export function profileFileFor(prefix: string): string {
  const dir = dirname(prefix)
  const found = readdirSync(dir).find((f) => f.startsWith(`${basename(prefix)}_`) && f.endsWith('.json'))
  if (!found) throw new Error(`onnxruntime wrote no profile for ${prefix}`)
  return join(dir, found)
}

const INTEGER_TYPES = /^(u?int(8|16|32|64)|bool)$/
const integral = (types: string[]) => types.every((t) => INTEGER_TYPES.test(t))

/**
 * Shape arithmetic: integer/boolean results (sizes, positions, mask comparisons), or a Cast of
 * such a tensor (the padding mask made a float bias). Floating-point results are model work.
 */
export function isShapeArithmetic(node: PlacedNode): boolean {
  return integral(node.outputTypes) || (node.op === 'Cast' && integral(node.inputTypes))
}

/** Nodes that did model work on the CPU. */
export function cpuWork(nodes: readonly PlacedNode[]): PlacedNode[] {
  return nodes.filter((n) => n.provider === 'CPUExecutionProvider' && !isShapeArithmetic(n))
}

/** "Gather (bfloat16), Cast (bfloat16 → float) ×2" */
export function describeCpuWork(nodes: readonly PlacedNode[]): string {
  const counts = new Map<string, number>()
  for (const n of nodes) {
    const label = `${n.op} (${[...new Set(n.inputTypes.filter((t) => !INTEGER_TYPES.test(t)))].join(', ') || n.inputTypes.join(', ')} → ${[...new Set(n.outputTypes)].join(', ')})`
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  return [...counts].map(([label, n]) => (n > 1 ? `${label} ×${n}` : label)).join(', ')
}
