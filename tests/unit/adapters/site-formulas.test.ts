// Every method on one synthetic site: the graph's forward pass against docs/METHOD.md's formula in
// plain float64 loops, every parameter's gradient against finite differences, and the same
// graph in float32 through onnxruntime against the reference interpreter.
import { describe, expect, it } from 'vitest'
import { gradients } from '../../../main/engine/autodiff'
import { evaluate } from '../../../main/engine/reference'
import type { HostTensor } from '../../../main/runtime'
import { compareWithReference } from '../../helpers/ort-vs-reference'
import { checkParameterGradients } from './support/finite-differences'
import { plainIa3, plainLinear, plainLowRank, plainMovFfn, plainMovHeads, plainRoute, plainRouterStats, type Routed } from './support/plain-formulas'
import { buildSiteGraph, DIMS, inputFeeds, parameterFeeds, perturbedValues, TOKEN_MASK, TOKENS, type SiteKind } from './support/site-graph'

interface Case {
  name: string
  config: Record<string, unknown>
  kind: SiteKind
}

const cases: Case[] = [
  { name: '(IA)³ keys', config: { method: 'ia3' }, kind: 'keys' },
  { name: '(IA)³ values', config: { method: 'ia3' }, kind: 'values' },
  { name: '(IA)³ FFN', config: { method: 'ia3' }, kind: 'ffn' },
  { name: 'MoV keys, 3 experts, soft merging', config: { method: 'mov', experts: 3 }, kind: 'keys' },
  { name: 'MoV values, top-2 of 3, renormalised', config: { method: 'mov', experts: 3, top_k: 2, renormalize: true }, kind: 'values' },
  { name: 'MoV FFN, 4 experts, soft merging', config: { method: 'mov', experts: 4 }, kind: 'ffn' },
  { name: 'MoV FFN, top-2 of 4, load-balancing loss 0.3', config: { method: 'mov', experts: 4, top_k: 2, load_balancing_coefficient: 0.3 }, kind: 'ffn' },
  { name: 'LoRA r=2, α=16', config: { method: 'lora', rank: 2 }, kind: 'projection' },
  { name: 'LoRA r=3, α=6', config: { method: 'lora', rank: 3, alpha: 6 }, kind: 'projection' },
  { name: 'MoLoRA 3 experts of rank 2', config: { method: 'molora', experts: 3, rank: 2 }, kind: 'projection' },
  { name: 'MoLoRA top-1 of 3, renormalised, load-balancing loss 0.5', config: { method: 'molora', experts: 3, rank: 2, top_k: 1, renormalize: true, load_balancing_coefficient: 0.5 }, kind: 'projection' },
]

/** The docs/METHOD.md formula for a case, from the fed arrays. */
function plainForward(c: Case, x: Float64Array, p: Map<string, Float64Array>, base: { W: Float64Array; b: Float64Array }): { y: Float64Array; routed: Routed | null; units: number } {
  const { heads: H, headDim: Dh, dFf, dIn, dOut } = DIMS
  const get = (suffix: string) => {
    const entry = [...p].find(([name]) => name.endsWith(suffix))
    if (!entry) throw new Error(`no parameter *${suffix}`)
    return entry[1]
  }
  const E = (c.config.experts as number | undefined) ?? 1
  const topK = (c.config.top_k as number | undefined) ?? null
  const renormalize = (c.config.renormalize as boolean | undefined) ?? false
  switch (c.config.method) {
    case 'ia3': {
      const n = c.kind === 'ffn' ? dFf : H * Dh
      return { y: plainIa3(x, get('ia3_l'), TOKENS, n), routed: null, units: TOKENS }
    }
    case 'mov':
      return c.kind === 'ffn'
        ? { ...plainMovFfn(x, get('mov_vectors'), get('mov_router.weight'), TOKENS, dFf, E, topK, renormalize), units: TOKENS }
        : { ...plainMovHeads(x, get('mov_vectors'), get('mov_router.weight'), TOKENS, H, Dh, E, topK, renormalize), units: TOKENS * H }
    case 'lora': {
      const r = c.config.rank as number
      const alpha = (c.config.alpha as number | undefined) ?? 16
      const y = plainLowRank(x, plainLinear(x, base.W, base.b, TOKENS, dIn, dOut), get('lora_A.weight'), get('lora_B.weight'), null, TOKENS, dIn, dOut, 1, r, alpha)
      return { y, routed: null, units: TOKENS }
    }
    case 'molora': {
      const r = c.config.rank as number
      const routed = plainRoute(x, get('molora_router.weight'), TOKENS, dIn, E, topK, renormalize)
      const y = plainLowRank(x, plainLinear(x, base.W, base.b, TOKENS, dIn, dOut), get('molora_A'), get('molora_B'), routed.weights, TOKENS, dIn, dOut, E, r, 16)
      return { y, routed, units: TOKENS }
    }
  }
  throw new Error(`unknown method ${String(c.config.method)}`)
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe.each(cases)('$name', (c) => {
  it('computes the docs/METHOD.md formula (float64 reference against plain loops), router statistics and balancing loss included', () => {
    const site = buildSiteGraph(c.config, c.kind, 'float64')
    const values = perturbedValues(site.build.parameters, 5)
    const feeds = { ...inputFeeds(c.kind, 'float64'), ...parameterFeeds(site.build.parameters, values, 'float64') }
    const [y] = evaluate(site.graph, feeds, [site.y])
    const want = plainForward(c, feeds.x.data, values, site.base)
    expect(maxAbsDiff(y.data, want.y)).toBeLessThan(1e-12)
    // the adapter changes the output: a check against the base alone would fail
    expect(maxAbsDiff(y.data, c.kind === 'projection' ? plainLinear(feeds.x.data, site.base.W, site.base.b, TOKENS, DIMS.dIn, DIMS.dOut) : feeds.x.data)).toBeGreaterThan(1e-2)

    const statistics = site.build.routerStatistics()
    if (!want.routed) {
      expect(statistics).toEqual([])
      expect(site.build.auxiliaryLoss).toBeNull()
      return
    }
    const E = c.config.experts as number
    const perToken = want.units / TOKENS
    const unitWeight = Array.from({ length: want.units }, (_, u) => TOKEN_MASK[Math.floor(u / perToken)])
    const stats = plainRouterStats(want.routed.probs, unitWeight, want.units, E)
    expect(statistics).toHaveLength(1)
    const [load, entropy] = evaluate(site.graph, feeds, [statistics[0].load, statistics[0].entropy])
    expect(maxAbsDiff(load.data, stats.load)).toBeLessThan(1e-12)
    expect(entropy.data[0]).toBeCloseTo(stats.entropy, 12)
    const coefficient = (c.config.load_balancing_coefficient as number | undefined) ?? 0
    if (coefficient === 0) expect(site.build.auxiliaryLoss).toBeNull()
    else expect(evaluate(site.graph, feeds, [site.build.auxiliaryLoss!])[0].data[0]).toBeCloseTo(coefficient * stats.balance, 12)
  })

  it('gives every parameter the gradient finite differences give (every element)', () => {
    const site = buildSiteGraph(c.config, c.kind, 'float64')
    const feeds = { ...inputFeeds(c.kind, 'float64'), ...parameterFeeds(site.build.parameters, perturbedValues(site.build.parameters, 6), 'float64') }
    const checks = checkParameterGradients(site.graph, site.loss, site.build.parameters, feeds)
    expect(checks.length).toBe(site.build.parameters.length)
    for (const check of checks) {
      expect(check.maxGradient, check.name).toBeGreaterThan(1e-3)
      expect(check.maxError, check.name).toBeLessThan(1e-7)
    }
  })

  it('runs in float32 through onnxruntime as the reference interpreter computes it (outputs, gradients, statistics)', async () => {
    const site = buildSiteGraph(c.config, c.kind, 'float32')
    const g = site.graph
    g.output('y', site.y)
    g.output('loss', site.loss)
    const grads = gradients(site.loss, site.build.parameters.map((p) => p.value))
    site.build.parameters.forEach((p, i) => g.output(`grad:${p.name}`, grads[i]))
    site.build.routerStatistics().forEach((s, i) => {
      g.output(`load:${i}`, s.load)
      g.output(`entropy:${i}`, s.entropy)
    })
    const values = perturbedValues(site.build.parameters, 7)
    const feeds: Record<string, HostTensor> = {}
    for (const [name, array] of Object.entries({ ...inputFeeds(c.kind, 'float32'), ...parameterFeeds(site.build.parameters, values, 'float32') })) {
      feeds[name] = { dtype: 'float32', shape: array.shape, data: Float32Array.from(array.data) }
    }
    const [comparisons] = await compareWithReference(g, [feeds])
    expect(comparisons.length).toBe(g.outputs.length)
    for (const o of comparisons) {
      expect(o.shape, o.name).toEqual(o.referenceShape)
      expect(o.maxAbsError / o.scale, o.name).toBeLessThan(2e-5)
    }
  })
})
