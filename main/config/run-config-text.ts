// Run configuration text (YAML or JSON) to a validated RunConfig, every problem with its line
// and field. No file access here, so the New run form's "Load YAML" uses the same parser as
// `mixture-studio train --config` (run-config-file.ts reads the file and calls this).
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import type { z } from 'zod'
import { RunConfig } from '../contract/run-config'
import { closestName } from './closest-name'
import { FOREIGN_FIELD_NAMES } from './foreign-names'

/** A run configuration file that cannot be used: every problem with its line and field. */
export class RunConfigError extends Error {
  override name = 'RunConfigError'
  constructor(
    readonly file: string,
    readonly problems: { line: number | null; field: string; message: string }[],
  ) {
    super(`${file}: invalid run configuration\n${problems.map((p) => `  ${p.line ? `line ${p.line}: ` : ''}${p.field ? `${p.field}: ` : ''}${p.message}`).join('\n')}`)
  }
}

/** Finds the YAML node at a zod issue path, walking up to the nearest node that exists. */
function nodeAt(root: Node | null, path: readonly PropertyKey[]): Node | null {
  let node: Node | null = root
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key)
      if (!pair) return node
      node = (pair.value as Node | null) ?? (pair.key as Node)
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined
      if (!item) return node
      node = item
    } else return node
  }
  return node
}

/**
 * How many anchor copies aliases may expand to. A run configuration needs few aliases if any;
 * a few lines of aliases of aliases can expand to billions of values (an "alias bomb").
 */
const MAX_ALIAS_EXPANSION = 100

/** Parses and validates a run configuration given as YAML or JSON text (JSON is YAML). */
export function parseRunConfig(text: string, file: string): RunConfig {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new RunConfigError(file, doc.errors.map((e) => ({ line: lineCounter.linePos(e.pos[0]).line, field: '', message: e.message.split('\n')[0] })))
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION })
  } catch (error) {
    // yaml refuses the expansion with a ReferenceError; say what it means for this file.
    if (!(error instanceof ReferenceError)) throw error
    const message = `its aliases (*name) expand to more than ${MAX_ALIAS_EXPANSION} copies of their anchors (&name), as an "alias bomb" would; write the values out instead of aliasing aliases`
    throw new RunConfigError(file, [{ line: null, field: '', message }])
  }
  const result = RunConfig.safeParse(value)
  if (result.success) return result.data
  const known = knownFields(value, result.error.issues)
  const problems = result.error.issues.map((issue) => {
    // An unrecognized key's path is its parent; name the key itself.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [null]
    return keys.map((key) => {
      const path = key === null ? issue.path : [...issue.path, key]
      const node = nodeAt(doc.contents as Node | null, path)
      const line = node?.range ? lineCounter.linePos(node.range[0]).line : null
      const meant = meantField(issue, key, known)
      const message = meant ? `unknown field (did you mean ${meant}?)` : key === null ? issue.message : 'unknown field (check its spelling; see docs/DESIGN.md "Run configuration")'
      return { line, field: path.map(String).join('.'), message }
    })
  })
  throw new RunConfigError(file, problems.flat())
}

/**
 * The field an unknown one stands for: another tool's name for it, else the nearest spelling. A
 * strict object's unknown keys, and the adapter's (its schema names those itself: `unknownField`).
 */
function meantField(issue: z.core.$ZodIssue, key: string | null, known: (path: readonly PropertyKey[]) => string[]): string | null {
  const params = issue.code === 'custom' ? (issue.params as { unknownField?: string; known?: string[] } | undefined) : undefined
  const name = key ?? params?.unknownField ?? null
  if (name === null) return null
  const objectPath = key !== null ? issue.path : issue.path.slice(0, -1)
  const candidates = key !== null ? known(objectPath) : (params?.known ?? [])
  return FOREIGN_FIELD_NAMES[objectPath.filter((part) => typeof part === 'string').join('.')]?.[name] ?? closestName(name, candidates)
}

/**
 * The fields an object of the configuration has, for "did you mean": each object as parsing fills
 * it in (defaults too, an adapter's by its method), from the configuration itself without its
 * unknown fields when the rest parses, else from the least configuration with the same method.
 */
function knownFields(value: unknown, issues: readonly z.core.$ZodIssue[]): (path: readonly PropertyKey[]) => string[] {
  const pruned = structuredClone(value)
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue
    const parent = valueAt(pruned, issue.path)
    if (parent && typeof parent === 'object') for (const key of issue.keys) delete (parent as Record<string, unknown>)[key]
  }
  const method = valueAt(value, ['adapter', 'method'])
  const least = { model: 'model', data: { train: 'train.jsonl' }, adapter: { method: typeof method === 'string' ? method : 'mov' } }
  const filled = [RunConfig.safeParse(pruned), RunConfig.safeParse(least)].find((parsed) => parsed.success)?.data
  return (path) => {
    if (path.length === 0) return Object.keys(RunConfig.shape)
    const object = valueAt(filled, path)
    return object && typeof object === 'object' && !Array.isArray(object) ? Object.keys(object) : []
  }
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value
  for (const key of path) at = at && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined
  return at
}
