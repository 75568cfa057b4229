// LoRA as a graph rewrite (docs/METHOD.md "LoRA"; Hu et al. 2021):
//   y = W x + (α/r) · B(A x),  A `<module>.lora_A.weight` [r, in] ~ N(0, 0.02) (PEFT: Kaiming-uniform),
//                              B `<module>.lora_B.weight` [out, r] = 0, so training starts at the base model.
// The update is the one-expert case of ../common/low-rank, which MoLoRA shares.
import { DEFAULT_PROJECTION_SITES } from '../common/config-fields'
import { normalInit, zerosInit } from '../common/init'
import { addToProjection, lowRankUpdate } from '../common/low-rank'
import type { SiteRewrite } from '../types'
import type { LoraConfig } from './config'

export function loraRewrite(config: LoraConfig): SiteRewrite {
  const r = config.rank
  return {
    sites: new Set(config.sites ?? DEFAULT_PROJECTION_SITES),
    sitesExplicit: config.sites !== null,
    loadBalancingCoefficient: 0,
    projection(ctx, site, x, base) {
      return addToProjection(site, x, base, ctx.dtype, (xa) => {
        const a = ctx.parameter('lora_A.weight', [r, site.inFeatures], 'A', normalInit(config.init_std)) // [r, in]
        const b = ctx.parameter('lora_B.weight', [site.outFeatures, r], 'B', zerosInit) // [out, r]
        return lowRankUpdate(xa, { a, b, experts: 1, rank: r }, null, config.alpha / r) // [..., out]
      })
    },
  }
}
