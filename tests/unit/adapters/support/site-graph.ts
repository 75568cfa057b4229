// One adapter site in a graph of its own: x (and, for projections, a frozen linear base) goes
// through the adapter's hook, and a fixed random weighting turns the output into a scalar loss
// (plus the load-balancing term when the config has one).
import { createAdapter, type AdapterBuild, type AdapterParameter } from '../../../../main/engine/adapters'
import { F, Graph, type Value } from '../../../../main/engine/ir'
import { linear } from '../../../../main/engine/nn'
import { ndarray, type NdArray } from '../../../../main/engine/reference'
import { Rng } from '../../../../main/engine/random'

export const DIMS = { batch: 2, seq: 3, heads: 2, headDim: 3, dFf: 5, dIn: 4, dOut: 5 } as const
export const TOKENS = DIMS.batch * DIMS.seq
/** The second sequence's last token is padding. */
export const TOKEN_MASK = [1, 1, 1, 1, 1, 0]

export type SiteKind = 'keys' | 'values' | 'ffn' | 'projection'

export function xShapeOf(kind: SiteKind): number[] {
  const { batch, seq, heads, headDim, dFf, dIn } = DIMS
  if (kind === 'ffn') return [batch, seq, dFf]
  if (kind === 'projection') return [batch, seq, dIn]
  return [batch, seq, heads, headDim]
}

export function yShapeOf(kind: SiteKind): number[] {
  return kind === 'projection' ? [DIMS.batch, DIMS.seq, DIMS.dOut] : xShapeOf(kind)
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)

export interface SiteGraph {
  graph: Graph
  build: AdapterBuild
  y: Value
  /** Σ y ⊙ lossWeights (+ auxiliary loss). */
  loss: Value
  /** The frozen projection weights, for the plain formula. */
  base: { W: Float64Array; b: Float64Array }
  lossWeights: Float64Array
}

/** Deterministic values (seeded) for a frozen weight or test input. */
export function seededValues(seed: number, n: number, scale = 1): Float64Array {
  const rng = new Rng(seed)
  return Float64Array.from({ length: n }, () => scale * rng.standardNormal())
}

export function buildSiteGraph(config: unknown, kind: SiteKind, dtype: 'float32' | 'float64', projectionName = 'q'): SiteGraph {
  const g = new Graph()
  const x = g.input('x', dtype, xShapeOf(kind))
  const tokenMask = g.input('mask', dtype, [DIMS.batch, DIMS.seq])
  const attachment = createAdapter(config).attach(g, { dtype })
  const siteBase = { layer: 0, stack: 'decoder' as const, tokenMask }
  const W = seededValues(11, DIMS.dOut * DIMS.dIn, 0.5)
  const b = seededValues(12, DIMS.dOut, 0.5)
  let y: Value
  if (kind === 'projection') {
    const wValue = g.weight('base.weight', dtype, [DIMS.dOut, DIMS.dIn], { kind: 'inline', data: W })
    const bValue = g.weight('base.bias', dtype, [DIMS.dOut], { kind: 'inline', data: b })
    const site = { ...siteBase, module: `model.layers.0.proj_${projectionName}`, kind: 'projection' as const, name: projectionName, inFeatures: DIMS.dIn, outFeatures: DIMS.dOut }
    y = attachment.projection(site, x, (input) => linear(input, wValue, bValue))
  } else {
    const module = kind === 'ffn' ? 'model.layers.0.mlp' : `model.layers.0.self_attn.${kind === 'keys' ? 'k' : 'v'}_proj`
    y = attachment.activation({ ...siteBase, module, kind }, x)
  }
  const build = attachment.finish()
  const lossWeights = seededValues(13, size(yShapeOf(kind)))
  const weighted = F.sum(F.mul(y, g.constant(lossWeights, dtype, yShapeOf(kind))), [0, 1, 2, ...(y.rank === 4 ? [3] : [])])
  const loss = build.auxiliaryLoss ? F.add(weighted, build.auxiliaryLoss) : weighted
  return { graph: g, build, y, loss, base: { W, b }, lossWeights }
}

/**
 * Parameter values away from the init, so every gradient is non-trivial: vectors 1 ± noise,
 * routers wide enough to route unevenly, A and B both non-zero.
 */
export function perturbedValues(parameters: readonly AdapterParameter[], seed: number): Map<string, Float64Array> {
  return new Map(
    parameters.map((p) => {
      const rng = Rng.derive(seed, p.name)
      const isVector = /ia3_l|mov_vectors/.test(p.name)
      const scale = /router/.test(p.name) ? 1.2 : isVector ? 0.4 : 0.5
      const values = Float64Array.from({ length: p.size }, () => (isVector ? 1 : 0) + scale * rng.standardNormal())
      return [p.name, values] as const
    }),
  )
}

export function inputFeeds(kind: SiteKind, dtype: 'float32' | 'float64', seed = 21): Record<string, NdArray> {
  return {
    x: ndarray(dtype, xShapeOf(kind), seededValues(seed, size(xShapeOf(kind)))),
    mask: ndarray(dtype, [DIMS.batch, DIMS.seq], TOKEN_MASK),
  }
}

export function parameterFeeds(parameters: readonly AdapterParameter[], values: Map<string, ArrayLike<number>>, dtype: 'float32' | 'float64'): Record<string, NdArray> {
  return Object.fromEntries(parameters.map((p) => [p.name, ndarray(dtype, p.shape, values.get(p.name) as ArrayLike<number>)]))
}
