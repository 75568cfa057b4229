// Rotary-embedding settings. HF has written them three ways over time: `rope_scaling.type`,
// `rope_scaling.rope_type`, and (transformers 5) `rope_parameters` carrying rope_theta too.
import { z } from 'zod'
import { configError, positiveInt, positiveNumber } from './fields'
import type { RopeSpec } from '../../engine/models/spec'

const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'llama3'] as const

export const ropeScalingSchema = z.looseObject({
  rope_type: z.string().optional(),
  type: z.string().optional(),
  rope_theta: positiveNumber.optional(),
  factor: positiveNumber.optional(),
  low_freq_factor: positiveNumber.optional(),
  high_freq_factor: positiveNumber.optional(),
  original_max_position_embeddings: positiveInt.optional(),
})
type RopeScalingFields = z.output<typeof ropeScalingSchema>

/** HF's default base when a config gives none (every Llama-family config class uses 10000). */
const DEFAULT_ROPE_THETA = 10_000

export function parseRope(
  file: string,
  fields: { rope_theta?: number; rope_scaling?: RopeScalingFields | null; rope_parameters?: RopeScalingFields | null },
  /** How errors name the field (Gemma 3's per-layer-type rope_parameters.full_attention). */
  fieldName?: string,
): RopeSpec {
  const field = fieldName ?? (fields.rope_parameters ? 'rope_parameters' : 'rope_scaling')
  const params = fields.rope_parameters ?? fields.rope_scaling ?? null
  const theta = fields.rope_parameters?.rope_theta ?? fields.rope_theta ?? DEFAULT_ROPE_THETA
  const type = params ? (params.rope_type ?? params.type ?? 'default') : 'default'
  if (!(SUPPORTED_ROPE_TYPES as readonly string[]).includes(type)) {
    throw configError(file, `${field}.rope_type`, `"${type}" is not supported (supported: ${SUPPORTED_ROPE_TYPES.join(', ')})`)
  }
  if (!params || type === 'default') return { theta, scaling: { type: 'none' } }
  const need = <K extends keyof RopeScalingFields>(key: K): NonNullable<RopeScalingFields[K]> => {
    const value = params[key]
    if (value === undefined || value === null) throw configError(file, `${field}.${key}`, `missing (required for rope type "${type}")`)
    return value as NonNullable<RopeScalingFields[K]>
  }
  if (type === 'linear') return { theta, scaling: { type: 'linear', factor: need('factor') } }
  const scaling = {
    type: 'llama3' as const,
    factor: need('factor'),
    lowFreqFactor: need('low_freq_factor'),
    highFreqFactor: need('high_freq_factor'),
    originalMaxPositionEmbeddings: need('original_max_position_embeddings'),
  }
  if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
    throw configError(file, `${field}.high_freq_factor`, `must be greater than low_freq_factor (${scaling.highFreqFactor} <= ${scaling.lowFreqFactor})`)
  }
  return { theta, scaling }
}
