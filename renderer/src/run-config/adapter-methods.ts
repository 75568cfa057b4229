// The adapter methods as the form offers them: the methods and schemas of the run configuration's
// `adapter` section (main/engine/adapters/config.ts, the schema the contract parses with), their
// short names, and the site names each model family has, so a site list only offers what the
// model can adapt. Not the registry (main/engine/adapters/registry.ts): its methods bring their
// graph rewrites, the engine's IR with them, which the web bundle has no use for.
import type { z } from 'zod'
import { ADAPTER_METHOD_SCHEMAS } from '../../../main/engine/adapters/config'
import { ADAPTER_METHOD_LABELS, PEFT_PROJECTION_ALIASES, type AdapterMethodName } from '../../../main/engine/adapters/names'
import { objectFields, type FieldSpec } from './schema-fields'

export type { AdapterMethodName }

export const METHOD_SCHEMAS: Record<AdapterMethodName, z.ZodObject> = ADAPTER_METHOD_SCHEMAS

/** Short names in the order the form offers the methods (the paper's mixtures first). */
export const METHOD_TITLES: Readonly<Record<AdapterMethodName, string>> = ADAPTER_METHOD_LABELS

/** Mixtures route tokens to experts (their schema has `experts`), so they have router statistics to show. */
export function isMixture(method: string | null | undefined): boolean {
  return !!method && Object.hasOwn(METHOD_SCHEMAS, method) && 'experts' in METHOD_SCHEMAS[method as AdapterMethodName].shape
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

/** Other spellings a site list accepts (keys, values; PEFT's q_proj ...), which the form does not offer twice. */
const SPELLINGS: ReadonlySet<string> = new Set(['keys', 'values', ...Object.keys(PEFT_PROJECTION_ALIASES)])

/** Site options a field offers for a model family: aliases dropped, projections the family has. */
export function siteOptions(field: FieldSpec, family: string | null): readonly string[] {
  const options = field.options.filter((option) => !SPELLINGS.has(option))
  const projections = family ? PROJECTIONS[family] : undefined
  if (!projections || options.includes('ffn')) return options
  return options.filter((option) => projections.includes(option))
}
