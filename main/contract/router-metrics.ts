// The metric names of a mixture run's router statistics (MoV, MoLoRA; docs/METHOD.md "What the
// studio must show about a mixture adapter"): `router.<module>.load.<expert>` (mean routing
// probability of one expert) and `router.<module>.entropy` (mean routing entropy, nats), where
// <module> is the site's module path (dots and all). Training writes them, the live page queues
// them, the CLI and the Router panel read them back: all through these functions, so the
// spelling lives in one place.

const PREFIX = 'router.'
const LOAD = /^router\.(.+)\.load\.(\d+)$/
const ENTROPY = /^router\.(.+)\.entropy$/

/** One router statistic as its metric name says it. */
export type RouterMetric = { module: string; kind: 'load'; expert: number } | { module: string; kind: 'entropy' }

/** `router.<module>.load.<expert>`. */
export function routerLoadMetric(module: string, expert: number): string {
  return `${PREFIX}${module}.load.${expert}`
}

/** `router.<module>.entropy`. */
export function routerEntropyMetric(module: string): string {
  return `${PREFIX}${module}.entropy`
}

/** True for every router statistic's name (the many series a summary folds into one line). */
export function isRouterMetric(name: string): boolean {
  return parseRouterMetric(name) !== null
}

/** What a metric name says about a router, or null when it is not a router statistic. */
export function parseRouterMetric(name: string): RouterMetric | null {
  const load = LOAD.exec(name)
  if (load) return { module: load[1], kind: 'load', expert: Number(load[2]) }
  const entropy = ENTROPY.exec(name)
  return entropy ? { module: entropy[1], kind: 'entropy' } : null
}

/** One logged router (a training event's `routers` entry) as named metric values: entropy, then each expert's load. */
export function routerMetricValues(router: { module: string; entropy: number; load: readonly number[] }): { name: string; value: number }[] {
  return [{ name: routerEntropyMetric(router.module), value: router.entropy }, ...router.load.map((value, e) => ({ name: routerLoadMetric(router.module, e), value }))]
}
