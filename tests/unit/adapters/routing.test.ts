// Routing details on hand-computed cases. An FFN site whose router is the identity routes each
// token with p = softmax(x), so feeding x = ln(p) sets the probabilities exactly; expert
// vectors equal to the identity make the merged vector m equal the mixing weights (y = x ⊙ w).
import { describe, expect, it } from 'vitest'
import { createAdapter, type AdapterBuild } from '../../../main/engine/adapters'
import { Graph, type Value } from '../../../main/engine/ir'
import { evaluate, ndarray, type NdArray } from '../../../main/engine/reference'
import { createGraphSession } from '../../../main/runtime'

interface RoutedSite {
  graph: Graph
  build: AdapterBuild
  y: Value
}

function identitySite(config: Record<string, unknown>, experts: number, tokens: number, withMask: boolean): RoutedSite {
  const graph = new Graph()
  const x = graph.input('x', 'float64', [1, tokens, experts])
  const tokenMask = withMask ? graph.input('mask', 'float64', [1, tokens]) : undefined
  const attachment = createAdapter({ method: 'mov', experts, ...config }).attach(graph, { dtype: 'float64' })
  const y = attachment.activation({ module: 'mlp', layer: 0, stack: 'decoder', kind: 'ffn', tokenMask }, x)
  return { graph, build: attachment.finish(), y }
}

const identity = (n: number) => Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 : 0))

function feeds(probs: number[][], mask: number[] | null): Record<string, NdArray> {
  const E = probs[0].length
  const f: Record<string, NdArray> = {
    x: ndarray('float64', [1, probs.length, E], probs.flat().map(Math.log)),
    'mlp.mov_vectors': ndarray('float64', [E, E], identity(E)),
    'mlp.mov_router.weight': ndarray('float64', [E, E], identity(E)),
  }
  if (mask) f.mask = ndarray('float64', [1, probs.length], mask)
  return f
}

/** The mixing weights per token: y / x. */
function mixingWeights(site: RoutedSite, f: Record<string, NdArray>): number[][] {
  const [y] = evaluate(site.graph, f, [site.y])
  const E = f.x.shape[2]
  return Array.from({ length: f.x.shape[1] }, (_, t) => Array.from({ length: E }, (_, e) => y.data[t * E + e] / f.x.data[t * E + e]))
}

const probs = [
  [0.1, 0.4, 0.2, 0.3],
  [0.25, 0.25, 0.25, 0.25],
  [0.5, 0.05, 0.05, 0.4],
]

describe('top-k', () => {
  it('keeps the k largest probabilities and zeroes the rest, without renormalising by default (ties keep the lower index)', () => {
    const site = identitySite({ top_k: 2 }, 4, 3, false)
    const w = mixingWeights(site, feeds(probs, null))
    const want = [
      [0, 0.4, 0, 0.3],
      [0.25, 0.25, 0, 0],
      [0.5, 0, 0, 0.4],
    ]
    w.flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i], 12))
  })

  it('renormalises the kept probabilities when asked', () => {
    const site = identitySite({ top_k: 2, renormalize: true }, 4, 3, false)
    const w = mixingWeights(site, feeds(probs, null))
    const want = [
      [0, 4 / 7, 0, 3 / 7],
      [0.5, 0.5, 0, 0],
      [5 / 9, 0, 0, 4 / 9],
    ]
    w.flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i], 12))
  })

  it('soft merging (no top_k) mixes with the full softmax', () => {
    const w = mixingWeights(identitySite({}, 4, 3, false), feeds(probs, null))
    w.flat().forEach((v, i) => expect(v).toBeCloseTo(probs.flat()[i], 12))
  })
})

describe('load balancing and router statistics', () => {
  // Real tokens: top-1 experts 0, 0, 1 -> f = [2/3, 1/3]; P = [1.7/3, 1.3/3];
  // loss = E·Σ f·P = 2·(2·1.7 + 1.3)/9 = 9.4/9. The padded fourth token must not count.
  const twoExperts = [
    [0.7, 0.3],
    [0.6, 0.4],
    [0.4, 0.6],
    [0.01, 0.99],
  ]
  const mask = [1, 1, 1, 0]
  const entropy = (p: number[]) => -p.reduce((s, v) => s + v * Math.log(v), 0)

  it('is E·Σ f_e·P_e over real tokens, times the coefficient', () => {
    const site = identitySite({ load_balancing_coefficient: 0.5 }, 2, 4, true)
    const [aux] = evaluate(site.graph, feeds(twoExperts, mask), [site.build.auxiliaryLoss!])
    expect(aux.data[0]).toBeCloseTo((0.5 * 9.4) / 9, 12)
  })

  it('is 1 under perfectly balanced routing, and absent with coefficient 0', () => {
    const site = identitySite({ load_balancing_coefficient: 1 }, 2, 2, true)
    const [aux] = evaluate(site.graph, feeds([[0.8, 0.2], [0.2, 0.8]], [1, 1]), [site.build.auxiliaryLoss!])
    expect(aux.data[0]).toBeCloseTo(1, 12)
    expect(identitySite({}, 2, 2, true).build.auxiliaryLoss).toBeNull()
  })

  it('reports the mean probability per expert and the mean entropy over real tokens only', () => {
    const site = identitySite({}, 2, 4, true)
    const [stats] = site.build.routerStatistics()
    expect(stats.experts).toBe(2)
    const [load, h] = evaluate(site.graph, feeds(twoExperts, mask), [stats.load, stats.entropy])
    expect(load.data[0]).toBeCloseTo(1.7 / 3, 12)
    expect(load.data[1]).toBeCloseTo(1.3 / 3, 12)
    expect(h.data[0]).toBeCloseTo((entropy([0.7, 0.3]) + entropy([0.6, 0.4]) + entropy([0.4, 0.6])) / 3, 12)
  })

  it('counts every token when the site has no token mask', () => {
    const site = identitySite({}, 2, 4, false)
    const [load] = evaluate(site.graph, feeds(twoExperts, null), [site.build.routerStatistics()[0].load])
    expect(load.data[0]).toBeCloseTo((0.7 + 0.6 + 0.4 + 0.01) / 4, 12)
  })

  it('loads sum to 1 and entropy stays within [0, ln E]: ln E when uniform, near 0 when one expert takes everything', () => {
    const E = 5
    const graph = new Graph()
    const x = graph.input('x', 'float64', [2, 3, 4])
    const tokenMask = graph.input('mask', 'float64', [2, 3])
    const attachment = createAdapter({ method: 'mov', experts: E }).attach(graph, { dtype: 'float64' })
    attachment.activation({ module: 'mlp', layer: 0, stack: 'decoder', kind: 'ffn', tokenMask }, x)
    const [stats] = attachment.finish().routerStatistics()
    const input = { x: ndarray('float64', [2, 3, 4], Array.from({ length: 24 }, (_, i) => 0.5 + ((i * 7) % 5) / 5)), mask: ndarray('float64', [2, 3], [1, 1, 0, 1, 1, 1]), 'mlp.mov_vectors': ndarray('float64', [E, 4], new Array(E * 4).fill(1)) }
    const statsFor = (router: number[]) => evaluate(graph, { ...input, 'mlp.mov_router.weight': ndarray('float64', [E, 4], router) }, [stats.load, stats.entropy])
    const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0)

    const [uniformLoad, uniformEntropy] = statsFor(new Array(E * 4).fill(0))
    expect(sum(uniformLoad.data)).toBeCloseTo(1, 12)
    expect(uniformEntropy.data[0]).toBeCloseTo(Math.log(E), 12)

    const collapsed = new Array(E * 4).fill(0).map((_, i) => (i < 4 ? 50 : 0)) // expert 0 wins every positive input
    const [collapsedLoad, collapsedEntropy] = statsFor(collapsed)
    expect(collapsedLoad.data[0]).toBeGreaterThan(0.999999)
    expect(collapsedEntropy.data[0]).toBeGreaterThanOrEqual(0)
    expect(collapsedEntropy.data[0]).toBeLessThan(1e-6)

    const [load, h] = statsFor(Array.from({ length: E * 4 }, (_, i) => Math.sin(i * 1.7) * 2))
    expect(sum(load.data)).toBeCloseTo(1, 12)
    expect(h.data[0]).toBeGreaterThan(0)
    expect(h.data[0]).toBeLessThan(Math.log(E))
  })

  it('stays finite and exact in float32 when the losing experts\' probabilities underflow to 0 (onnxruntime)', async () => {
    // p = softmax(x) with gaps of 200 in x: e^-200 is 0 in float32, so a −p·ln p written
    // directly would give 0·(−inf) = NaN there; the entropy must still be the exact mix.
    const graph = new Graph()
    const x = graph.input('x', 'float32', [1, 3, 3])
    const attachment = createAdapter({ method: 'mov', experts: 3 }).attach(graph, { dtype: 'float32' })
    attachment.activation({ module: 'mlp', layer: 0, stack: 'decoder', kind: 'ffn' }, x)
    const [stats] = attachment.finish().routerStatistics()
    graph.output('entropy', stats.entropy)
    graph.output('load', stats.load)
    const session = await createGraphSession(graph, { device: 'cpu', threads: 1 })
    try {
      const f32 = (shape: number[], values: number[]) => ({ dtype: 'float32' as const, shape, data: Float32Array.from(values) })
      const out = await session.run({
        x: f32([1, 3, 3], [200, 0, 0, 0, 0, 200, Math.log(0.5), Math.log(0.25), Math.log(0.25)]),
        'mlp.mov_vectors': f32([3, 3], identity(3)),
        'mlp.mov_router.weight': f32([3, 3], identity(3)),
      })
      // tokens 1 and 2 pick one expert outright (entropy 0), token 3 mixes 1/2, 1/4, 1/4
      expect(out.entropy.data[0]).toBeCloseTo(entropy([0.5, 0.25, 0.25]) / 3, 6)
      Array.from(out.load.data as Float32Array).forEach((v, e) => expect(v).toBeCloseTo([1.5, 0.25, 1.25][e] / 3, 6))
    } finally {
      await session.dispose()
    }
  })
})
