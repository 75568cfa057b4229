// Router statistics of a mixture run (MoV, MoLoRA), read back from its metrics
// (`router.<module>.load.<expert>`, `router.<module>.entropy`, logged every few steps): expert
// load per site and layer at each logged step, and the sites where one expert took over.
import { ROUTER_COLLAPSE_LOAD } from '../../../main/contract'
import { parseRouterMetric, routerEntropyMetric, routerLoadMetric } from '../../../main/contract/router-metrics'
import type { Point } from './series'

/** One expert taking at least this share of a site's routing is a collapse (docs/METHOD.md). */
export const COLLAPSE_LOAD = ROUTER_COLLAPSE_LOAD

export interface RoutedSite {
  module: string
  layer: number
  /** Short name: k, v, ffn, q, o, gate ... */
  site: string
  /** Row label: "L3 · k". */
  label: string
}

export interface RouterHistory {
  sites: RoutedSite[]
  experts: number
  /** Logged steps, ascending. */
  steps: number[]
  /** load[step index][site index][expert], NaN where a value is missing. */
  load: number[][][]
  /** entropy[step index][site index] in nats. */
  entropy: number[][]
}

/** Layer and short site name from a module path such as model.layers.3.self_attn.k_proj. */
export function describeModule(module: string): RoutedSite {
  const match = /(?:^|\.)(?:layers|h|block|layer)\.(\d+)\.(.+)$/.exec(module)
  const layer = match ? Number(match[1]) : 0
  let tail = match ? match[2] : module
  tail = tail.replace(/^(self_attn|attn|attention|SelfAttention|EncDecAttention|layer\.\d+)\./, '').replace(/_proj\b/g, '')
  const site = tail === 'mlp' || tail === 'DenseReluDense' ? 'ffn' : tail.replace(/^mlp\./, '')
  return { module, layer, site, label: `L${layer} · ${site}` }
}

const SITE_ORDER = ['q', 'k', 'v', 'o', 'ffn', 'gate', 'up', 'down']

function compareSites(a: RoutedSite, b: RoutedSite): number {
  if (a.layer !== b.layer) return a.layer - b.layer
  const ia = SITE_ORDER.indexOf(a.site)
  const ib = SITE_ORDER.indexOf(b.site)
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.site.localeCompare(b.site)
}

/** Null when the series hold no router statistics (not a mixture, or nothing logged yet). */
export function routerHistory(series: Record<string, readonly Point[]>): RouterHistory | null {
  const modules = new Map<string, RoutedSite>()
  let experts = 0
  const steps = new Set<number>()
  for (const [name, points] of Object.entries(series)) {
    const metric = parseRouterMetric(name)
    if (metric?.kind !== 'load') continue
    if (!modules.has(metric.module)) modules.set(metric.module, describeModule(metric.module))
    experts = Math.max(experts, metric.expert + 1)
    for (const p of points) steps.add(p.step)
  }
  if (modules.size === 0) return null
  const sites = [...modules.values()].sort(compareSites)
  const stepList = [...steps].sort((a, b) => a - b)
  const at = (points: readonly Point[] | undefined) => new Map((points ?? []).map((p) => [p.step, p.value]))
  const loadBy = sites.map((site) => Array.from({ length: experts }, (_, e) => at(series[routerLoadMetric(site.module, e)])))
  const entropyBy = sites.map((site) => at(series[routerEntropyMetric(site.module)]))
  return {
    sites,
    experts,
    steps: stepList,
    load: stepList.map((step) => loadBy.map((byExpert) => byExpert.map((values) => values.get(step) ?? Number.NaN))),
    entropy: stepList.map((step) => entropyBy.map((values) => values.get(step) ?? Number.NaN)),
  }
}

export interface CollapsedSite {
  site: RoutedSite
  expert: number
  load: number
}

/** Sites where one expert takes at least COLLAPSE_LOAD of the routing at the given step index. */
export function collapsedSites(history: RouterHistory, stepIndex = history.steps.length - 1, threshold = COLLAPSE_LOAD): CollapsedSite[] {
  const loads = history.load[stepIndex]
  if (!loads || history.experts < 2) return []
  return history.sites.flatMap((site, i) => {
    const row = loads[i]
    const load = Math.max(...row.filter((v) => !Number.isNaN(v)))
    return load >= threshold ? [{ site, expert: row.indexOf(load), load }] : []
  })
}

/** Entropy as a share of its maximum ln E: 1 = uniform routing, 0 = one expert takes all. */
export function normalisedEntropy(entropy: number, experts: number): number {
  return experts > 1 ? entropy / Math.log(experts) : 0
}
