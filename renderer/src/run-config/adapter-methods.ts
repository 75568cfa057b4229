// The adapter methods as the form offers them: their schemas (the engine's own), titles and the
// site names each model family has, so a site list only offers what the model can adapt.
import type { z } from 'zod'
import { ia3ConfigSchema } from '../../../main/engine/adapters/ia3/config'
import { loraConfigSchema } from '../../../main/engine/adapters/lora/config'
import { moloraConfigSchema } from '../../../main/engine/adapters/molora/config'
import { movConfigSchema } from '../../../main/engine/adapters/mov/config'
import type { AdapterMethodName } from '../../../main/engine/adapters/names'
import { objectFields, type FieldSpec } from './schema-fields'

export type { AdapterMethodName }

export const METHOD_SCHEMAS: Record<AdapterMethodName, z.ZodObject> = {
  mov: movConfigSchema,
  molora: moloraConfigSchema,
  ia3: ia3ConfigSchema,
  lora: loraConfigSchema,
}

export const METHOD_TITLES: Record<AdapterMethodName, string> = {
  mov: 'MoV',
  molora: 'MoLoRA',
  ia3: '(IA)³',
  lora: 'LoRA',
}

/** Mixtures route tokens to experts, so they have router statistics to show. */
export function isMixture(method: string | null | undefined): boolean {
  return method === 'mov' || method === 'molora'
}

export function methodTitle(method: string | null | undefined): string {
  if (!method) return '–'
  return METHOD_TITLES[method as AdapterMethodName] ?? method
}

/** `init` (start from an adapter folder) is a text field of its own at the end of the section. */
export function methodFields(method: AdapterMethodName): FieldSpec[] {
  return objectFields(METHOD_SCHEMAS[method], ['method'])
}

/** Projection names per model family (docs/METHOD.md "Mapping onto the architectures we support"). */
const PROJECTIONS: Record<string, readonly string[]> = {
  llama: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
  gpt2: ['c_attn', 'c_proj', 'c_fc', 'mlp_c_proj'],
  t5: ['q', 'k', 'v', 'o', 'wi_0', 'wi_1', 'wo'],
}

/** Site options a field offers for a model family: aliases dropped, projections the family has. */
export function siteOptions(field: FieldSpec, family: string | null): readonly string[] {
  const options = field.options.filter((option) => option !== 'keys' && option !== 'values')
  const projections = family ? PROJECTIONS[family] : undefined
  if (!projections || options.includes('ffn')) return options
  return options.filter((option) => projections.includes(option))
}
