// The form's methods are the run configuration's: every method the `adapter` schema parses is
// offered, with its own schema, and nothing else (tests/unit/adapters/form-methods-bundle.test.ts:
// without the engine's graph code).
import { describe, expect, it } from 'vitest'
import { adapterConfigSchema } from '../../main/engine/adapters/config'
import { ADAPTER_METHOD_NAMES } from '../../main/engine/adapters/names'
import { isMixture, METHOD_SCHEMAS, METHOD_TITLES, methodFields, siteOptions } from '../../renderer/src/run-config/adapter-methods'

describe('the New run form\'s adapter methods', () => {
  it('are the methods the run configuration accepts, each with its own schema and a name to show', () => {
    const offered = Object.keys(METHOD_TITLES)
    expect([...offered].sort()).toEqual([...ADAPTER_METHOD_NAMES].sort())
    expect(Object.keys(METHOD_SCHEMAS).sort()).toEqual([...ADAPTER_METHOD_NAMES].sort())
    for (const method of offered) {
      expect(adapterConfigSchema.safeParse({ method }).success).toBe(true)
      expect(METHOD_SCHEMAS[method as keyof typeof METHOD_SCHEMAS].parse({ method })).toEqual(adapterConfigSchema.parse({ method }))
    }
    expect(offered).toEqual(['mov', 'molora', 'ia3', 'lora'])
    expect(methodFields('molora').map((f) => f.key)).toContain('experts')
  })

  it('the mixtures are the methods with experts', () => {
    expect(ADAPTER_METHOD_NAMES.filter(isMixture).sort()).toEqual(['molora', 'mov'])
    expect(isMixture('prefix')).toBe(false)
    expect(isMixture(null)).toBe(false)
  })

  it("site lists offer our names only, PEFT's spellings being accepted in YAML but not offered twice", () => {
    const loraSites = methodFields('lora').find((f) => f.key === 'sites')!
    const any = siteOptions(loraSites, null)
    expect(any).toContain('q')
    expect(any).toContain('mlp_c_proj')
    expect(any.filter((o) => ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj', 'wi'].includes(o))).toEqual([])
    expect(siteOptions(loraSites, 't5')).toEqual(['q', 'k', 'v', 'o', 'wi_0', 'wi_1', 'wo'])
  })
})
