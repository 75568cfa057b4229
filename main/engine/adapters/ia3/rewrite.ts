// (IA)³ as a graph rewrite (docs/METHOD.md "(IA)³"): y = x ⊙ l, l initialised to ones so training
// starts from the base model exactly.
//   k/v sites: l is per head, [kv_heads, head_dim], stored flat as `<module>.ia3_l` [kv_heads·head_dim]
//   ffn site:  l is [d_ff], stored as `<module>.ia3_l`, scaling the activated branch
// (docs/DESIGN.md "Native adapter format" for the names and stored shapes).
import { F } from '../../ir'
import { ACTIVATION_SITE_NAMES } from '../common/config-fields'
import { onesInit } from '../common/init'
import { activationLayout, rescaleActivation } from '../common/rescale'
import type { SiteRewrite } from '../types'
import type { Ia3Config } from './config'

export function ia3Rewrite(config: Ia3Config): SiteRewrite {
  return {
    sites: new Set(config.sites ?? ACTIVATION_SITE_NAMES),
    sitesExplicit: config.sites !== null,
    loadBalancingCoefficient: 0,
    activation(ctx, site, x) {
      const layout = activationLayout(site, x)
      return rescaleActivation(ctx, x, () => {
        if (layout.kind === 'ffn') return ctx.parameter('ia3_l', [layout.dFf], 'vectors', onesInit) // [d_ff]
        const stored = ctx.parameter('ia3_l', [layout.heads * layout.headDim], 'vectors', onesInit) // [kv_heads·head_dim]
        return F.reshape(stored, [layout.heads, layout.headDim]) // [kv_heads, head_dim], broadcast over batch, seq
      })
    },
  }
}
