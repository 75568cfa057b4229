// The (IA)³ operation y = x ⊙ m that (IA)³ and MoV share (docs/METHOD.md "(IA)³", "MoV"): (IA)³'s m
// is its learned vector, MoV's is the router-weighted merge of its expert vectors. Both build
// m through here, so MoV with one expert computes exactly what (IA)³ computes.
import { F, formatShape, type Value } from '../../ir'
import type { ActivationSite } from '../sites'
import type { SiteContext } from '../types'

/** The per-site shape of an activation: k/v [batch, seq, heads, headDim], ffn [batch, seq, dFf]. */
export type ActivationLayout = { kind: 'heads'; heads: number; headDim: number } | { kind: 'ffn'; dFf: number }

export function activationLayout(site: ActivationSite, x: Value): ActivationLayout {
  const where = `adapter site ${site.module} (${site.kind})`
  if (site.kind === 'ffn') {
    const dFf = x.shape[2]
    if (x.rank !== 3 || typeof dFf !== 'number') throw new Error(`${where}: expected the FFN activation as [batch, seq, d_ff] with a static d_ff, got ${x.describe()}`)
    return { kind: 'ffn', dFf }
  }
  const [, , heads, headDim] = x.shape
  if (x.rank !== 4 || typeof heads !== 'number' || typeof headDim !== 'number') {
    throw new Error(`${where}: expected ${site.kind} as [batch, seq, kv_heads, head_dim] with static heads and head_dim, got ${x.describe()}`)
  }
  return { kind: 'heads', heads, headDim }
}

/** Checks the token mask (if any) covers x's leading [batch, seq] axes. */
export function checkTokenMask(site: { module: string; tokenMask?: Value }, x: Value): Value | null {
  const mask = site.tokenMask
  if (!mask) return null
  if (mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1]) {
    throw new Error(`adapter site ${site.module}: tokenMask ${mask.describe()} must be [batch, seq] matching ${x.describe()} (shape ${formatShape(x.shape.slice(0, 2))})`)
  }
  return mask
}

/**
 * Rescales the activation x by the vector `buildScale` returns (it receives x in the adapter
 * dtype and must broadcast against it), computing in the adapter dtype and returning x's dtype.
 */
export function rescaleActivation(ctx: SiteContext, x: Value, buildScale: (x: Value) => Value): Value {
  const xa = F.cast(x, ctx.dtype)
  return F.cast(F.mul(xa, buildScale(xa)), x.dtype)
}
