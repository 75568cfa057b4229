// Form fields read off the run configuration's zod schemas (main/contract/run-config.ts and the
// engine's per-method adapter schemas), so the New run form shows exactly the options, bounds
// and defaults the trainer accepts, and a new option appears in the form when it is declared.
import type { z } from 'zod'

export type FieldKind = 'number' | 'integer' | 'enum' | 'boolean' | 'text' | 'choices'

export interface FieldSpec {
  key: string
  kind: FieldKind
  /** null allowed (an empty input means null: "off", "none", "all"). */
  nullable: boolean
  defaultValue: unknown
  /** enum: one of; choices: any subset of. */
  options: readonly string[]
  min: number | null
  max: number | null
}

interface Def {
  type: string
  innerType?: z.ZodType
  defaultValue?: unknown
  element?: z.ZodType
  in?: z.ZodType
  options?: readonly z.ZodType[]
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def
}

/** Enum values of a schema (through pipes: the input side is what a user writes). */
function enumOptions(schema: z.ZodType): readonly string[] {
  const def = defOf(schema)
  if (def.type === 'pipe' && def.in) return enumOptions(def.in)
  return def.type === 'enum' ? ((schema as unknown as { options: string[] }).options ?? []) : []
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : null
}

/** One field's spec, unwrapping default and nullable; null for a kind the form cannot edit. */
export function fieldSpec(key: string, schema: z.ZodType): FieldSpec | null {
  let current = schema
  let nullable = false
  let defaultValue: unknown = undefined
  for (;;) {
    const def = defOf(current)
    if (def.type === 'default') defaultValue = def.defaultValue
    else if (def.type === 'nullable') nullable = true
    else if (def.type !== 'optional') break
    current = def.innerType!
  }
  const def = defOf(current)
  const base = { key, nullable, defaultValue, options: [] as readonly string[], min: null, max: null }
  switch (def.type) {
    case 'number': {
      const number = current as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean }
      return { ...base, kind: number.isInt ? 'integer' : 'number', min: finite(number.minValue), max: finite(number.maxValue) }
    }
    case 'boolean':
      return { ...base, kind: 'boolean' }
    case 'string':
      return { ...base, kind: 'text' }
    case 'enum':
    case 'pipe':
      return { ...base, kind: 'enum', options: enumOptions(current) }
    case 'array':
      return { ...base, kind: 'choices', options: enumOptions(def.element!) }
    default:
      return null
  }
}

/** The editable fields of an object schema, in declaration order, minus `skip`. */
export function objectFields(schema: z.ZodObject, skip: readonly string[] = []): FieldSpec[] {
  return Object.entries(schema.shape)
    .filter(([key]) => !skip.includes(key))
    .map(([key, value]) => fieldSpec(key, value as z.ZodType))
    .filter((field): field is FieldSpec => field !== null)
}

/** Every field's default value, for a fresh section. */
export function defaultsOf(fields: readonly FieldSpec[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field.key, field.defaultValue ?? null]))
}
