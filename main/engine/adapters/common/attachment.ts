// Turns a method's SiteRewrite into the AdapterHooks a model builder calls on one graph, and
// collects what the rewrite declared (parameters, routers) for the trainer.
import { F, type Graph, type Value } from '../../ir'
import { Rng } from '../../random'
import { projectionSiteOf } from '../names'
import type { ActivationSite, ProjectionSite } from '../sites'
import type { AdapterAttachment, AdapterBuild, AdapterParameter, AttachOptions, RouterStatistics, SiteContext, SiteRef, SiteRewrite } from '../types'
import { checkTokenMask } from './rescale'
import { expertLoad, loadBalancingLoss, routingEntropy } from './router'

/** The name a configuration uses for a site: k, v, ffn, or the projection's name. */
export function siteName(site: ActivationSite | ProjectionSite): string {
  if (site.kind === 'projection') return site.name
  return site.kind === 'keys' ? 'k' : site.kind === 'values' ? 'v' : 'ffn'
}

/**
 * PEFT's name for a projection site where the model's module is called that (Llama's
 * `...self_attn.q_proj` is q_proj; a T5's `...SelfAttention.q` has none beyond q): the last
 * part of the module path, as PEFT's target_modules matches it.
 */
export function peftAliasOf(site: ProjectionSite): string | null {
  const last = site.module.slice(site.module.lastIndexOf('.') + 1)
  return last !== site.name && projectionSiteOf(last) === site.name ? last : null
}

function siteRef(site: ActivationSite | ProjectionSite): SiteRef {
  const ref: SiteRef = { module: site.module, layer: site.layer, stack: site.stack, site: siteName(site) }
  return site.attention ? { ...ref, attention: site.attention } : ref
}

interface RecordedRouter {
  site: SiteRef
  logits: Value
  probs: Value
  tokenMask: Value | null
}

export class RewriteAttachment implements AdapterAttachment {
  private readonly dtype: 'float32' | 'float64'
  private readonly parameters: AdapterParameter[] = []
  private readonly parameterNames = new Set<string>()
  private readonly routers: RecordedRouter[] = []
  /** Site names the model offered, per kind the rewrite handles, for error messages. */
  private readonly offered = new Set<string>()
  /** PEFT's names for the offered projections (q_proj ...), for error messages. */
  private readonly offeredAliases = new Set<string>()
  private readonly matched = new Set<string>()
  private build: AdapterBuild | null = null

  constructor(
    private readonly graph: Graph,
    private readonly rewrite: SiteRewrite,
    private readonly methodLabel: string,
    options: AttachOptions = {},
  ) {
    this.dtype = options.dtype ?? 'float32'
  }

  activation(site: ActivationSite, x: Value): Value {
    this.checkOpen(site.module)
    if (!this.rewrite.activation) return x
    const name = siteName(site)
    this.offered.add(name)
    if (!this.rewrite.sites.has(name)) return x
    this.matched.add(name)
    return this.rewrite.activation(this.contextFor(site, x), site, x)
  }

  projection(site: ProjectionSite, x: Value, base: (x: Value) => Value): Value {
    this.checkOpen(site.module)
    if (!this.rewrite.projection) return base(x)
    this.offered.add(site.name)
    const alias = peftAliasOf(site)
    if (alias) this.offeredAliases.add(alias)
    // The configuration names the site in our words or in PEFT's; the config refuses both at once.
    const chosen = [site.name, alias].find((name) => name !== null && this.rewrite.sites.has(name))
    if (!chosen) return base(x)
    this.matched.add(chosen)
    return this.rewrite.projection(this.contextFor(site, x), site, x, base)
  }

  finish(): AdapterBuild {
    if (this.build) return this.build
    this.checkSitesMatched()
    const parameters = [...this.parameters]
    const routers = [...this.routers]
    let statistics: RouterStatistics[] | null = null
    this.build = {
      parameters,
      trainableParameterCount: parameters.reduce((n, p) => n + p.size, 0),
      auxiliaryLoss: this.auxiliaryLoss(routers),
      routerStatistics: () => {
        statistics ??= routers.map((r) => ({
          site: r.site,
          experts: r.probs.shape[r.probs.rank - 1] as number,
          load: expertLoad(r.probs, r.tokenMask),
          entropy: routingEntropy(r, r.tokenMask),
        }))
        return statistics
      },
      initialValues: (seed) => new Map(parameters.map((p) => [p.name, p.init(Rng.derive(seed, p.initKey))])),
    }
    return this.build
  }

  private auxiliaryLoss(routers: readonly RecordedRouter[]): Value | null {
    const coefficient = this.rewrite.loadBalancingCoefficient
    if (coefficient === 0 || routers.length === 0) return null
    // Summed over sites, as Switch Transformer sums its per-layer terms.
    const total = routers.map((r) => loadBalancingLoss(r.probs, r.tokenMask)).reduce((a, b) => F.add(a, b))
    return F.mul(total, coefficient)
  }

  private checkOpen(module: string): void {
    if (this.build) throw new Error(`${this.methodLabel}: site ${module} was visited after finish(); build the whole model before finishing the adapter`)
  }

  private checkSitesMatched(): void {
    if (!this.rewrite.sitesExplicit) return
    const missing = [...this.rewrite.sites].filter((s) => !this.matched.has(s))
    if (missing.length === 0) return
    const aliases = this.offeredAliases.size > 0 ? `, or PEFT's ${[...this.offeredAliases].join(', ')}` : ''
    const offered = ([...this.offered].join(', ') || 'none') + aliases
    throw new Error(`${this.methodLabel}: adapter.sites lists ${missing.join(', ')}, which this model does not have (its sites: ${offered}); remove ${missing.length > 1 ? 'them' : 'it'} from adapter.sites`)
  }

  private contextFor(site: ActivationSite | ProjectionSite, x: Value): SiteContext {
    const ref = siteRef(site)
    const tokenMask = checkTokenMask(site, x)
    return {
      graph: this.graph,
      dtype: this.dtype,
      parameter: (suffix, shape, initRole, init) => {
        const name = `${site.module}.${suffix}`
        if (this.parameterNames.has(name)) throw new Error(`${this.methodLabel}: parameter ${name} declared twice; site ${site.module} was visited twice (module paths must be unique per site)`)
        this.parameterNames.add(name)
        const value = this.graph.input(name, this.dtype, shape)
        const size = shape.reduce((a, b) => a * b, 1)
        this.parameters.push({ name, shape: [...shape], size, value, site: ref, initKey: `${site.module}/${initRole}`, init: (rng) => init(rng, size) })
        return value
      },
      recordRouter: ({ logits, probs }) => {
        this.routers.push({ site: ref, logits, probs, tokenMask })
      },
    }
  }
}
