// MoLoRA as a graph rewrite (docs/METHOD.md "MoLoRA"; Zadouri et al. 2023):
//   p = softmax(x · W_gᵀ)                       one router per projection, reading its input x;
//                                               `<module>.molora_router.weight` [E, in] ~ N(0, 0.02)
//   y = W x + (α/r) · Σ_e p_e · B_e(A_e x)      `<module>.molora_A` [E, r, in] ~ N(0, 0.02),
//                                               `<module>.molora_B` [E, out, r] = 0
// Outputs are mixed (not A's and B's), as in the reference code. The experts run batched, as two
// matmuls ([.., in]·[in, E·r], then [.., E·r]·[E·r, out]) in ../common/low-rank, shared with LoRA;
// the router's logits come out of the first one (W_g's rows join A's), so x is read once.
import { F, type Value } from '../../ir'
import { DEFAULT_PROJECTION_SITES } from '../common/config-fields'
import { normalInit, zerosInit } from '../common/init'
import { addToProjection, lowRankUpdate } from '../common/low-rank'
import { routeLogits } from '../common/router'
import type { SiteRewrite } from '../types'
import type { MoloraConfig } from './config'

export function moloraRewrite(config: MoloraConfig): SiteRewrite {
  const E = config.experts
  const r = config.rank
  const routingOptions = { topK: config.top_k, renormalize: config.renormalize }
  return {
    sites: new Set(config.sites ?? DEFAULT_PROJECTION_SITES),
    sitesExplicit: config.sites !== null,
    loadBalancingCoefficient: config.load_balancing_coefficient,
    projection(ctx, site, x, base) {
      const { inFeatures: dIn, outFeatures: dOut } = site
      return addToProjection(site, x, base, ctx.dtype, (xa) => {
        // A shares its init stream with LoRA's A ('A'), so one expert starts where LoRA starts.
        const a = ctx.parameter('molora_A', [E, r, dIn], 'A', normalInit(config.init_std)) // [E, r, in]
        const b = ctx.parameter('molora_B', [E, dOut, r], 'B', zerosInit) // [E, out, r]
        const router = ctx.parameter('molora_router.weight', [E, dIn], 'router', normalInit(config.init_std)) // [E, in]
        const stackedA = F.reshape(a, [E * r, dIn]) // [E·r, in]
        const stackedB = F.reshape(F.transpose(b, [1, 0, 2]), [dOut, E * r]) // [out, E·r]
        const weigh = (logits: Value) => {
          const routing = routeLogits(logits, xa.shape.slice(0, -1), routingOptions) // [..., E]
          ctx.recordRouter(routing)
          return routing.weights
        }
        return lowRankUpdate(xa, { a: stackedA, b: stackedB, experts: E, rank: r }, { weight: router, weigh }, config.alpha / r) // [..., out]
      })
    },
  }
}
