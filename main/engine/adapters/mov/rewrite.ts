// MoV as a graph rewrite (docs/METHOD.md "MoV"; Zadouri et al. 2023, eqs. for MoV):
//   p = softmax(x · W_gᵀ)    router W_g [E, d_r], no bias, N(0, 0.02); in the adapter dtype (float32)
//   m = Σ_e p_e · l_e        E expert vectors, ones at init
//   y = x ⊙ m                the (IA)³ operation, shared with ../ia3 through rescaleActivation
// The router reads the activation it scales, token by token:
//   k/v: x [batch, seq, kv_heads, head_dim], one router per site shared across heads, so routing
//        is per token and per head; vectors `<module>.mov_vectors` [kv_heads, E, head_dim],
//        router `<module>.mov_router.weight` [E, head_dim]
//   ffn: x [batch, seq, d_ff] (the activated branch); vectors [E, d_ff], router [E, d_ff]
// Merging vectors before scaling equals merging (IA)³ outputs, since (IA)³ is linear in l, so the
// cost beyond the router is one [E]·[E, d] product per token and one elementwise product.
// Tokens are flattened to rows for both products, so the vectors' gradient is one
// [E, rows]·[rows, d] product per head, never a [tokens, E, d] partial summed afterwards.
import { dimProduct, F } from '../../ir'
import { ACTIVATION_SITE_NAMES } from '../common/config-fields'
import { normalInit, onesInit } from '../common/init'
import { activationLayout, rescaleActivation } from '../common/rescale'
import { route } from '../common/router'
import type { SiteRewrite } from '../types'
import type { MovConfig } from './config'

export function movRewrite(config: MovConfig): SiteRewrite {
  const E = config.experts
  const routingOptions = { topK: config.top_k, renormalize: config.renormalize }
  return {
    sites: new Set(config.sites ?? ACTIVATION_SITE_NAMES),
    sitesExplicit: config.sites !== null,
    loadBalancingCoefficient: config.load_balancing_coefficient,
    activation(ctx, site, x) {
      const layout = activationLayout(site, x)
      return rescaleActivation(ctx, x, (xa) => {
        if (layout.kind === 'ffn') {
          const vectors = ctx.parameter('mov_vectors', [E, layout.dFf], 'vectors', onesInit) // [E, d_ff]
          const router = ctx.parameter('mov_router.weight', [E, layout.dFf], 'router', normalInit(config.init_std)) // [E, d_ff]
          const routing = route(xa, router, routingOptions) // [batch, seq, E]
          ctx.recordRouter(routing)
          const lead = xa.shape.slice(0, -1)
          const merged = F.matmul(F.reshape(routing.weights, [dimProduct(lead), E]), vectors) // [rows, d_ff]
          return F.reshape(merged, [...lead, layout.dFf]) // [batch, seq, d_ff]
        }
        const { heads, headDim } = layout
        const vectors = ctx.parameter('mov_vectors', [heads, E, headDim], 'vectors', onesInit) // [kv_heads, E, head_dim]
        const router = ctx.parameter('mov_router.weight', [E, headDim], 'router', normalInit(config.init_std)) // [E, head_dim]
        const routing = route(xa, router, routingOptions) // [batch, seq, kv_heads, E]
        ctx.recordRouter(routing)
        const [batch, seq] = xa.shape
        const rows = dimProduct([batch, seq])
        const perHead = F.transpose(F.reshape(routing.weights, [rows, heads, E]), [1, 0, 2]) // [kv_heads, rows, E]
        const merged = F.matmul(perHead, vectors) // [kv_heads, rows, head_dim]
        return F.reshape(F.transpose(merged, [1, 0, 2]), [batch, seq, heads, headDim]) // [batch, seq, kv_heads, head_dim]
      })
    },
  }
}
