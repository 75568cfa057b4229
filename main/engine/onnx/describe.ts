// A size report of an emitted model: what is inline in the protobuf, what stays in weight files.
import type { ModelProtoObject } from './proto'

export interface ModelDescription {
  opset: number
  nodes: number
  /** Node count per ONNX op type, most frequent first. */
  opCounts: [string, number][]
  inputs: string[]
  outputs: string[]
  /** Initializers whose bytes are inside the model. */
  inlineInitializers: number
  inlineBytes: number
  /** Initializers read from weight files (external data). */
  externalInitializers: number
  externalBytes: number
  externalFiles: string[]
}

export function describeModel(model: ModelProtoObject): ModelDescription {
  const counts = new Map<string, number>()
  for (const n of model.graph.node) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1)
  let inlineInitializers = 0, inlineBytes = 0, externalInitializers = 0, externalBytes = 0
  const files = new Set<string>()
  for (const t of model.graph.initializer ?? []) {
    if (t.dataLocation === 1) {
      externalInitializers++
      const entry = (key: string) => t.externalData?.find((e) => e.key === key)?.value
      externalBytes += Number(entry('length') ?? 0)
      const location = entry('location')
      if (location) files.add(location)
    } else {
      inlineInitializers++
      inlineBytes += t.rawData?.byteLength ?? 0
    }
  }
  return {
    opset: model.opsetImport.find((o) => o.domain === '')?.version ?? 0,
    nodes: model.graph.node.length,
    opCounts: [...counts].sort((a, b) => b[1] - a[1]),
    inputs: model.graph.input.map((i) => i.name),
    outputs: model.graph.output.map((o) => o.name),
    inlineInitializers,
    inlineBytes,
    externalInitializers,
    externalBytes,
    externalFiles: [...files].sort(),
  }
}

/** One line per fact, for logs and the CLI. */
export function formatModelDescription(d: ModelDescription): string {
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`
  return [
    `opset ${d.opset}, ${d.nodes} nodes: ${d.opCounts.slice(0, 8).map(([op, n]) => `${op}×${n}`).join(' ')}${d.opCounts.length > 8 ? ' …' : ''}`,
    `inputs: ${d.inputs.join(', ')}`,
    `outputs: ${d.outputs.join(', ')}`,
    `initializers: ${d.inlineInitializers} inline (${mb(d.inlineBytes)}), ${d.externalInitializers} external (${mb(d.externalBytes)} in ${d.externalFiles.length} file(s))`,
  ].join('\n')
}
