// Router statistics' metric names are built and read back by one module: a name the trainer
// writes is the name the Router panel and the CLI parse, module paths' dots and all.
import { describe, expect, it } from 'vitest'
import { isRouterMetric, parseRouterMetric, routerEntropyMetric, routerLoadMetric, routerMetricValues } from '../../../main/contract/router-metrics'
import { stepMetrics } from '../../../main/train/run-training'

describe('router metric names', () => {
  it('are router.<module>.load.<expert> and router.<module>.entropy, and parse back to module and expert', () => {
    const module = 'model.layers.3.self_attn.k_proj'
    expect(routerLoadMetric(module, 7)).toBe('router.model.layers.3.self_attn.k_proj.load.7')
    expect(routerEntropyMetric(module)).toBe('router.model.layers.3.self_attn.k_proj.entropy')
    expect(parseRouterMetric(routerLoadMetric(module, 12))).toEqual({ module, kind: 'load', expert: 12 })
    expect(parseRouterMetric(routerEntropyMetric('decoder.block.0.layer.1.EncDecAttention.v'))).toEqual({ module: 'decoder.block.0.layer.1.EncDecAttention.v', kind: 'entropy' })
  })

  it('other metrics are not router statistics', () => {
    for (const name of ['loss', 'eval_loss', 'aux_loss', 'accuracy.router', 'router', 'router.model.layers.0.mlp.load', 'router.model.layers.0.mlp.load.x']) {
      expect(parseRouterMetric(name)).toBeNull()
      expect(isRouterMetric(name)).toBe(false)
    }
  })

  it("a training step's router statistics are stored under the names the readers parse", () => {
    const event = { step: 5, loss: 1, lr: 0.1, gradNorm: 1, tokensPerSecond: 10, tokens: 40, auxLoss: null, lossScale: null, routers: [{ module: 'model.layers.0.mlp', entropy: 0.6, load: [0.7, 0.3] }] }
    const routerSamples = stepMetrics(event as unknown as Parameters<typeof stepMetrics>[0]).filter((s) => isRouterMetric(s.name))
    expect(routerSamples).toEqual(routerMetricValues(event.routers[0]).map(({ name, value }) => ({ name, step: 5, value })))
    expect(routerSamples.map((s) => parseRouterMetric(s.name))).toEqual([
      { module: 'model.layers.0.mlp', kind: 'entropy' },
      { module: 'model.layers.0.mlp', kind: 'load', expert: 0 },
      { module: 'model.layers.0.mlp', kind: 'load', expert: 1 },
    ])
  })
})
