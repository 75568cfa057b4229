// Shared by the Compare page and `mixture-studio runs compare`.
// Run configurations side by side: every leaf as a dotted path ("train.lr"), and the rows where
// the runs differ (what the Compare page puts first).
import { ModelConfig } from './run-config'

export type Leaf = string | number | boolean | null

/** {train: {lr: 1}} → {"train.lr": 1}; arrays are leaves ("k, v, ffn"). */
export function flattenConfig(value: unknown, prefix = ''): Record<string, Leaf> {
  if (value === null || value === undefined) return prefix ? { [prefix]: null } : {}
  if (Array.isArray(value)) return { [prefix]: value.map(String).join(', ') }
  if (typeof value === 'object') {
    return Object.assign({}, ...Object.entries(value as Record<string, unknown>).map(([key, v]) => flattenConfig(v, prefix ? `${prefix}.${key}` : key)))
  }
  return { [prefix]: value as Leaf }
}

export interface DiffRow {
  path: string
  values: Leaf[]
  differs: boolean
}

/** The run configuration's sections in the order docs/DESIGN.md writes them. */
const SECTIONS = ['name', 'model', 'data', 'adapter', 'train', 'device']

function sectionIndex(path: string): number {
  const index = SECTIONS.indexOf(path.split('.')[0])
  return index < 0 ? SECTIONS.length : index
}

/**
 * A stored configuration with its model written out: a run recorded before model.quantize names
 * a bare folder, which is { path, quantize: none }, so it lines up with a newer run's model.path
 * and model.quantize instead of showing as a `model` row of its own.
 */
function withModelWrittenOut(config: unknown): unknown {
  if (config === null || typeof config !== 'object' || !('model' in config)) return config
  const model = ModelConfig.safeParse(config.model)
  return model.success ? { ...config, model: model.data } : config
}

/** One row per path any run has, in section order, with `differs` when the values are not all equal. */
export function diffConfigs(configs: readonly unknown[]): DiffRow[] {
  const flat = configs.map((config) => flattenConfig(withModelWrittenOut(config)))
  // A stable sort keeps each section's fields in the order the configurations list them.
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort((a, b) => sectionIndex(a) - sectionIndex(b))
  return paths.map((path) => {
    const values = flat.map((f) => (path in f ? f[path] : null))
    return { path, values, differs: values.some((v) => v !== values[0]) }
  })
}
