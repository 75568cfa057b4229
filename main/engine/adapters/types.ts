import type { Graph, Value } from '../ir'
import type { Rng } from '../random'
import type { AdapterMethodName } from './names'
import type { ActivationSite, AdapterHooks, ProjectionSite, SiteBase } from './sites'
import type { Routing } from './common/router'

export { ADAPTER_METHOD_NAMES, type AdapterMethodName } from './names'

/** Where a parameter or router lives: the site's identity without its build-time tensors. */
export interface SiteRef {
  module: string
  layer: number
  stack: SiteBase['stack']
  attention?: SiteBase['attention']
  /** The site's name as configurations spell it: k, v, ffn, or a projection name (q, c_attn ...). */
  site: string
}

/** One trainable tensor of an adapter: a graph input fed every step, its gradient an output. */
export interface AdapterParameter {
  /** Tensor name in the native adapter format (docs/DESIGN.md), also the graph input's name. */
  readonly name: string
  readonly shape: readonly number[]
  /** Number of elements. */
  readonly size: number
  /** The graph input holding it (the attachment's dtype: float32, float64 in reference checks). */
  readonly value: Value
  readonly site: SiteRef
  /**
   * Seeds this tensor's own random stream (Rng.derive(seed, initKey)). Tensors that must start
   * equal across methods share a key: LoRA's A and MoLoRA's A at one expert draw the same values.
   */
  readonly initKey: string
  /** Initial values, row-major float32, drawn from `rng`. */
  init(rng: Rng): Float32Array
}

/** Router statistics of one routed site, as graph values the trainer may fetch at logging steps. */
export interface RouterStatistics {
  readonly site: SiteRef
  readonly experts: number
  /** [E]: mean routing probability per expert over real tokens (and heads at k/v sites); sums to 1. */
  readonly load: Value
  /** []: mean per-token routing entropy −Σ p·ln p, within [0, ln E]. */
  readonly entropy: Value
}

export interface AttachOptions {
  /**
   * dtype of the adapter parameters and of the adapter's arithmetic (routers included). float32
   * is what training uses (docs/METHOD.md: adapters and routers in float32); float64 exists for the
   * reference interpreter's finite-difference checks.
   */
  dtype?: 'float32' | 'float64'
}

/** What an attachment yields once the model graph is built. */
export interface AdapterBuild {
  readonly parameters: readonly AdapterParameter[]
  /** Σ parameter sizes: the "trainable parameters" figure. */
  readonly trainableParameterCount: number
  /**
   * The load-balancing term to add to the task loss, or null when the method has none or its
   * coefficient is 0: coefficient · Σ over routed sites of E·Σ_e f_e·P_e. A scalar in the
   * attachment's dtype (cast it to the loss's dtype before adding, e.g. in reference checks).
   */
  readonly auxiliaryLoss: Value | null
  /** Router statistics per routed site, built into the graph on first call (empty for (IA)³ and LoRA). */
  routerStatistics(): readonly RouterStatistics[]
  /** Initial values of every parameter for a run seed, keyed by parameter name. */
  initialValues(seed: number): Map<string, Float32Array>
}

/**
 * The model builder's view of an adapter on one graph: AdapterHooks it calls at every site.
 * `finish()` is called once the model is built; hooks called after it throw.
 */
export interface AdapterAttachment extends AdapterHooks {
  finish(): AdapterBuild
}

/** A configured adapter, ready to attach to any number of graphs (train step, eval step). */
export interface Adapter {
  readonly method: AdapterMethodName
  readonly config: { readonly method: AdapterMethodName }
  attach(graph: Graph, options?: AttachOptions): AdapterAttachment
}

/** What a method's rewrite may ask of the attachment while it rewrites one site. */
export interface SiteContext {
  readonly graph: Graph
  readonly dtype: 'float32' | 'float64'
  /**
   * Declares a parameter `${site.module}.${suffix}` as a graph input of the attachment's dtype.
   * `initRole` names the init stream within the site (the init key is `${module}/${initRole}`).
   */
  parameter(suffix: string, shape: readonly number[], initRole: string, init: (rng: Rng, size: number) => Float32Array): Value
  /** Records a router's logits and full probabilities [..., E] for statistics and the load-balancing loss. */
  recordRouter(routing: Pick<Routing, 'logits' | 'probs'>): void
}

/** A method's graph rewrite: one function per site kind; a missing one leaves those sites unchanged. */
export interface SiteRewrite {
  /** Site names (k, v, ffn, projection names) the rewrite acts on. */
  readonly sites: ReadonlySet<string>
  /** True when the sites were chosen by the user, so each must exist in the model. */
  readonly sitesExplicit: boolean
  /** Coefficient of the load-balancing loss over recorded routers (0: none). */
  readonly loadBalancingCoefficient: number
  activation?(ctx: SiteContext, site: ActivationSite, x: Value): Value
  projection?(ctx: SiteContext, site: ProjectionSite, x: Value, base: (x: Value) => Value): Value
}

/** A method as the registry holds it: its config schema and how to turn a config into a rewrite. */
export interface AdapterMethod<C extends { method: AdapterMethodName }> {
  readonly name: C['method']
  /** One line for the UI and the CLI. */
  readonly title: string
  /** Builds the rewrite for a parsed config (see ./config.ts for parsing). */
  rewrite(config: C): SiteRewrite
}
