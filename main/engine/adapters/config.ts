// The `adapter` section of a run configuration (docs/DESIGN.md "Run configuration"), one schema per
// method discriminated by `method`. Keys that belong to another method (a MoV config carrying
// `rank`, as the docs/DESIGN.md example does) are accepted and ignored, since the UI form and the CLI
// share one section; keys no method knows are rejected, so a typo does not pass silently.
import { z } from 'zod'
import { ia3ConfigSchema } from './ia3/config'
import { loraConfigSchema } from './lora/config'
import { moloraConfigSchema } from './molora/config'
import { movConfigSchema } from './mov/config'
import { ADAPTER_METHOD_NAMES, type AdapterMethodName } from './names'

const METHOD_SCHEMAS = [ia3ConfigSchema, movConfigSchema, loraConfigSchema, moloraConfigSchema] as const

/**
 * Each method's own schema by name: the options of the union below, so a form built from it
 * (the renderer's New run) offers exactly the methods a run configuration accepts. Pure zod,
 * unlike the registry, whose methods bring their graph rewrites.
 */
export const ADAPTER_METHOD_SCHEMAS = Object.fromEntries(METHOD_SCHEMAS.map((schema) => [schema.shape.method.value, schema])) as Record<AdapterMethodName, (typeof METHOD_SCHEMAS)[number]>

/** Every key some method reads. */
export const ADAPTER_CONFIG_KEYS: readonly string[] = [...new Set(METHOD_SCHEMAS.flatMap((s) => Object.keys(s.shape)))].sort()

const methodConfigSchema = z.discriminatedUnion('method', METHOD_SCHEMAS, { error: () => `method must be one of ${ADAPTER_METHOD_NAMES.join(', ')}` })

export const adapterConfigSchema = z.preprocess(
  (value, ctx) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of Object.keys(value)) {
        if (!ADAPTER_CONFIG_KEYS.includes(key)) {
          // params: for a "did you mean" where the configuration is read (config/run-config-text.ts).
          const params = { unknownField: key, known: ADAPTER_CONFIG_KEYS }
          ctx.addIssue({ code: 'custom', path: [key], message: `is not an adapter option (known: ${ADAPTER_CONFIG_KEYS.join(', ')})`, input: value, params })
        }
      }
    }
    return value
  },
  methodConfigSchema,
)

export type AdapterConfig = z.output<typeof adapterConfigSchema>
export type AdapterConfigInput = z.input<(typeof METHOD_SCHEMAS)[number]>

/** An adapter configuration that does not parse; the message lists every problem with its field path. */
export class AdapterConfigError extends Error {
  override name = 'AdapterConfigError'
}

/** Parses and defaults an adapter config; `where` prefixes field paths (e.g. "adapter" or "run.yaml: adapter"). */
export function parseAdapterConfig(input: unknown, where = 'adapter'): AdapterConfig {
  const result = adapterConfigSchema.safeParse(input)
  if (result.success) return result.data
  // An unknown key stops zod before the method's own checks; run those too, to list every problem at once.
  const own = methodConfigSchema.safeParse(input)
  const issues = [...result.error.issues, ...(own.success ? [] : own.error.issues)]
  const seen = new Set<string>()
  const problems = issues.map((issue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`)
  const unique = problems.filter((p) => !seen.has(p) && seen.add(p))
  throw new AdapterConfigError(`invalid adapter configuration:\n  ${unique.join('\n  ')}`)
}
