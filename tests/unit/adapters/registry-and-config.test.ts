// The registry (complete, no duplicates), config parsing (defaults, every bad field named) and
// the errors a model builder or a user meets when a site does not fit.
import { describe, expect, it } from 'vitest'
import { ADAPTER_METHOD_NAMES, AdapterConfigError, adapterMethod, createAdapter, parseAdapterConfig, registerAdapterMethod, registeredAdapterMethods } from '../../../main/engine/adapters'
import { ia3Method } from '../../../main/engine/adapters/ia3'
import { Graph } from '../../../main/engine/ir'
import { linear } from '../../../main/engine/nn'

describe('adapter registry', () => {
  it('holds every method once, each under its own name', () => {
    expect(registeredAdapterMethods().map((m) => m.name).sort()).toEqual([...ADAPTER_METHOD_NAMES].sort())
    for (const name of ADAPTER_METHOD_NAMES) expect(adapterMethod(name).name).toBe(name)
  })

  it('refuses a second registration of a method and a name outside ADAPTER_METHOD_NAMES', () => {
    expect(() => registerAdapterMethod(ia3Method)).toThrow(/'ia3' is registered twice/)
    expect(() => registerAdapterMethod({ ...ia3Method, name: 'prefix' as 'ia3' })).toThrow(/not in ADAPTER_METHOD_NAMES/)
  })
})

describe('adapter config', () => {
  it('fills the docs/METHOD.md defaults', () => {
    expect(parseAdapterConfig({ method: 'mov' })).toEqual({ method: 'mov', experts: 10, top_k: null, renormalize: false, load_balancing_coefficient: 0, init_std: 0.02, sites: null, init: null })
    expect(parseAdapterConfig({ method: 'lora' })).toMatchObject({ rank: 16, alpha: 16, init_std: 0.02 })
    expect(parseAdapterConfig({ method: 'molora' })).toMatchObject({ experts: 10, rank: 4, alpha: 16 })
  })

  it("accepts the docs/DESIGN.md run-config example, where a MoV section carries LoRA's fields", () => {
    const config = parseAdapterConfig({ method: 'mov', experts: 10, rank: 4, alpha: 16, top_k: null, sites: ['k', 'v', 'ffn'], init: null })
    expect(config).toMatchObject({ method: 'mov', experts: 10, sites: ['k', 'v', 'ffn'] })
    expect(config).not.toHaveProperty('rank')
    expect(parseAdapterConfig({ method: 'ia3', sites: ['keys', 'values'] })).toMatchObject({ sites: ['k', 'v'] })
  })

  it('names every bad field at once, with what to do', () => {
    let message = ''
    try {
      parseAdapterConfig({ method: 'molora', experts: 2, top_k: 3, rnak: 4 }, 'run.yaml: adapter')
    } catch (e) {
      expect(e).toBeInstanceOf(AdapterConfigError)
      message = (e as Error).message
    }
    expect(message).toMatch(/run\.yaml: adapter\.rnak: is not an adapter option \(known: .*rank/)
    expect(message).toMatch(/adapter\.top_k: top_k 3 exceeds experts 2/)
    // zod runs cross-field checks (top_k vs experts) only once every field parses
    expect(() => parseAdapterConfig({ method: 'molora', sites: ['q', 'gate_projection'] })).toThrow(/adapter\.sites\.1: must be a projection name: q, k, v/)
    expect(() => parseAdapterConfig({ method: 'prefix-tuning' })).toThrow(/adapter\.method: method must be one of ia3, mov, lora, molora/)
    expect(() => parseAdapterConfig({ method: 'mov', experts: 0 })).toThrow(/adapter\.experts/)
    expect(() => parseAdapterConfig({ method: 'ia3', sites: ['k', 'keys'] })).toThrow(/lists a site twice/)
  })
})

describe('site errors', () => {
  const projectionSite = (name: string) => ({ module: `h.0.${name}`, layer: 0, stack: 'decoder' as const, kind: 'projection' as const, name, inFeatures: 4, outFeatures: 6 })

  it('a site the user listed but the model lacks is named at finish(), with the sites the model has', () => {
    const g = new Graph()
    const attachment = createAdapter({ method: 'lora', sites: ['c_attn', 'gate'] }).attach(g)
    const x = g.input('x', 'float32', ['batch', 'seq', 4])
    const w = g.weight('w', 'float32', [6, 4], { kind: 'inline', data: new Float32Array(24) })
    attachment.projection(projectionSite('c_attn'), x, (input) => linear(input, w))
    attachment.projection(projectionSite('c_fc'), x, (input) => linear(input, w))
    expect(() => attachment.finish()).toThrow(/adapter\.sites lists gate, which this model does not have \(its sites: c_attn, c_fc\)/)
  })

  it('default sites that a model lacks are simply not adapted', () => {
    const g = new Graph()
    const attachment = createAdapter({ method: 'lora', rank: 2 }).attach(g)
    const x = g.input('x', 'float32', ['batch', 'seq', 4])
    const w = g.weight('w', 'float32', [6, 4], { kind: 'inline', data: new Float32Array(24) })
    attachment.projection(projectionSite('c_attn'), x, (input) => linear(input, w))
    expect(attachment.finish().parameters.map((p) => p.name)).toEqual(['h.0.c_attn.lora_A.weight', 'h.0.c_attn.lora_B.weight'])
  })

  it('a site visited twice, a hook after finish(), a wrongly shaped activation and a mismatched projection are named', () => {
    const g = new Graph()
    const attachment = createAdapter({ method: 'ia3' }).attach(g)
    const keys = g.input('k', 'float32', ['batch', 'seq', 2, 4])
    const site = { module: 'model.layers.0.self_attn.k_proj', layer: 0, stack: 'decoder' as const, kind: 'keys' as const }
    attachment.activation(site, keys)
    expect(() => attachment.activation(site, keys)).toThrow(/model\.layers\.0\.self_attn\.k_proj\.ia3_l declared twice/)
    const flat = g.input('flat', 'float32', ['batch', 'seq', 8])
    expect(() => attachment.activation({ ...site, module: 'other' }, flat)).toThrow(/expected keys as \[batch, seq, kv_heads, head_dim\].*flat: float32\[batch, seq, 8\]/)
    const mask = g.input('mask', 'float32', ['batch', 'seq2'])
    expect(() => attachment.activation({ ...site, module: 'masked', tokenMask: mask }, keys)).toThrow(/tokenMask mask: float32\[batch, seq2\] must be \[batch, seq\]/)
    attachment.finish()
    expect(() => attachment.activation({ ...site, module: 'late' }, keys)).toThrow(/visited after finish\(\)/)

    const lora = createAdapter({ method: 'lora' }).attach(g)
    const w = g.weight('w', 'float32', [5, 8], { kind: 'inline', data: new Float32Array(40) })
    expect(() => lora.projection({ ...projectionSite('q'), inFeatures: 8 }, flat, (input) => linear(input, w))).toThrow(/declared 8 -> 6 features.*base\(x\) is .*\[batch, seq, 5\]/)
  })
})
