// zod building blocks shared by the per-architecture config schemas, and the one place that turns
// zod's issues into messages a user can act on (file, field, what was expected, what was found).
import { z } from 'zod'
import { ModelFolderError } from '../errors'

export const positiveInt = z.number().int().positive()
export const positiveNumber = z.number().positive()
export const tokenId = z.number().int().nonnegative()
/** HF allows eos_token_id to be one id or a list of them. */
export const tokenIds = z.union([tokenId, z.array(tokenId)])
/** `torch_dtype` (transformers ≤ 4.55) or `dtype` (later). */
export const declaredDTypeFields = { torch_dtype: z.string().nullish(), dtype: z.string().nullish() }

/** Parses `raw` with `schema`; on failure throws one ModelFolderError listing every bad field. */
export function parseFields<S extends z.ZodType>(schema: S, raw: Record<string, unknown>, file: string, what: string): z.output<S> {
  const result = schema.safeParse(raw)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => describeIssue(issue, raw))
  throw new ModelFolderError(`${file}: not a valid ${what} config:\n  - ${problems.join('\n  - ')}`, file)
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const field = issue.path.join('.')
  const value = valueAt(raw, issue.path)
  if (value === undefined) return `field "${field}" is missing (required)`
  return `field "${field}" = ${JSON.stringify(value)}: ${issue.message}`
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node = raw
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<PropertyKey, unknown>)[key]
  }
  return node
}

/** A field that parsed but makes no sense with the others (e.g. heads that do not divide hidden_size). */
export function configError(file: string, field: string, problem: string): ModelFolderError {
  return new ModelFolderError(`${file}: field "${field}": ${problem}`, file)
}

export function eosList(value: number | number[] | null | undefined): number[] {
  if (value === null || value === undefined) return []
  return Array.isArray(value) ? value : [value]
}
