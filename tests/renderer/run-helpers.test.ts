// The pure pieces behind the run pages: form fields read off the schema, curves merged and
// re-plotted by tokens, router statistics and collapse, configuration diffs.
import { describe, expect, it } from 'vitest'
import { TrainConfig } from '../../main/contract'
import { objectFields } from '../../renderer/src/run-config/schema-fields'
import { methodFields, siteOptions } from '../../renderer/src/run-config/adapter-methods'
import { againstTokens, lowest, mergePoints, tokensSeenByStep } from '../../renderer/src/runs/series'
import { collapsedSites, describeModule, normalisedEntropy, routerHistory } from '../../renderer/src/runs/router-stats'
import { diffConfigs, flattenConfig } from '../../main/contract/config-diff'

describe('schema fields', () => {
  it('reads kinds, bounds, defaults and nullability from the run configuration schema', () => {
    const fields = Object.fromEntries(objectFields(TrainConfig).map((f) => [f.key, f]))
    expect(fields.batch_size).toMatchObject({ kind: 'integer', min: 1, max: 4096, defaultValue: 8, nullable: false })
    expect(fields.lr).toMatchObject({ kind: 'number', defaultValue: 3e-4 })
    expect(fields.optimizer).toMatchObject({ kind: 'enum', options: ['adamw', 'adafactor', 'sgd'] })
    expect(fields.max_grad_norm).toMatchObject({ kind: 'number', nullable: true, defaultValue: 1 })
    expect(fields.max_steps.max).toBeNull()
  })

  it('offers each method\'s own options and the sites the model family has', () => {
    expect(methodFields('lora').map((f) => f.key)).toEqual(['rank', 'alpha', 'init_std', 'sites', 'init'])
    const movSites = methodFields('mov').find((f) => f.key === 'sites')!
    expect(movSites.kind).toBe('choices')
    expect(siteOptions(movSites, 'llama')).toEqual(['k', 'v', 'ffn'])
    const loraSites = methodFields('lora').find((f) => f.key === 'sites')!
    expect(siteOptions(loraSites, 'gpt2')).toEqual(['c_attn', 'c_proj', 'c_fc', 'mlp_c_proj'])
    expect(siteOptions(loraSites, 'llama')).toEqual(['q', 'k', 'v', 'o', 'gate', 'up', 'down'])
  })
})

describe('curves', () => {
  it('merges points by step, the newer value winning', () => {
    const curve = [{ step: 1, value: 1 }, { step: 2, value: 2 }]
    expect(mergePoints(curve, [{ step: 3, value: 3 }])).toEqual([...curve, { step: 3, value: 3 }])
    expect(mergePoints(curve, [{ step: 2, value: 9 }, { step: 0, value: 0 }])).toEqual([{ step: 0, value: 0 }, { step: 1, value: 1 }, { step: 2, value: 9 }])
    // A batch of live points (one redraw's worth): appended when in order, merged when a step repeats.
    expect(mergePoints(curve, [{ step: 3, value: 3 }, { step: 4, value: 4 }]).map((p) => p.step)).toEqual([1, 2, 3, 4])
    expect(mergePoints(curve, [{ step: 3, value: 3 }, { step: 3, value: 7 }]).at(-1)).toEqual({ step: 3, value: 7 })
    expect(lowest(curve)).toBe(1)
    expect(lowest([])).toBeNull()
  })

  it('places each step at the tokens seen by its end (step 0 at none)', () => {
    const seen = tokensSeenByStep([{ step: 1, value: 100 }, { step: 2, value: 50 }, { step: 3, value: 80 }])!
    expect(againstTokens([{ step: 0, value: 5 }, { step: 2, value: 4 }, { step: 3, value: 3 }, { step: 7, value: 1 }], seen)).toEqual([[0, 5], [150, 4], [230, 3]])
    expect(tokensSeenByStep([])).toBeNull()
  })
})

describe('router statistics', () => {
  const series = {
    'router.model.layers.1.mlp.load.0': [{ step: 1, value: 0.5 }, { step: 10, value: 0.95 }],
    'router.model.layers.1.mlp.load.1': [{ step: 1, value: 0.5 }, { step: 10, value: 0.05 }],
    'router.model.layers.0.self_attn.v_proj.load.0': [{ step: 1, value: 0.5 }, { step: 10, value: 0.6 }],
    'router.model.layers.0.self_attn.v_proj.load.1': [{ step: 1, value: 0.5 }, { step: 10, value: 0.4 }],
    'router.model.layers.0.self_attn.v_proj.entropy': [{ step: 10, value: 0.67 }],
    loss: [{ step: 1, value: 3 }],
  }

  it('names sites by layer and short name, ordered by layer', () => {
    expect(describeModule('model.layers.3.self_attn.k_proj')).toMatchObject({ layer: 3, site: 'k', label: 'L3 · k' })
    expect(describeModule('model.layers.0.mlp.gate_proj')).toMatchObject({ site: 'gate' })
    expect(describeModule('transformer.h.2.mlp')).toMatchObject({ layer: 2, site: 'ffn' })
    const history = routerHistory(series)!
    expect(history.sites.map((s) => s.label)).toEqual(['L0 · v', 'L1 · ffn'])
    expect(history.experts).toBe(2)
    expect(history.steps).toEqual([1, 10])
    expect(history.load[1]).toEqual([[0.6, 0.4], [0.95, 0.05]])
    expect(history.entropy[1][0]).toBe(0.67)
    expect(Number.isNaN(history.entropy[0][0])).toBe(true)
    expect(routerHistory({ loss: series.loss })).toBeNull()
  })

  it('warns of a site where one expert takes almost all the routing', () => {
    const history = routerHistory(series)!
    expect(collapsedSites(history, 0)).toEqual([])
    expect(collapsedSites(history).map((c) => [c.site.label, c.expert, c.load])).toEqual([['L1 · ffn', 0, 0.95]])
    expect(normalisedEntropy(Math.log(4), 4)).toBeCloseTo(1)
  })
})

describe('configuration diff', () => {
  it('flattens configurations and marks the fields that differ, in section order', () => {
    expect(flattenConfig({ train: { lr: 1 }, adapter: { sites: ['k', 'v'] } })).toEqual({ 'train.lr': 1, 'adapter.sites': 'k, v' })
    const rows = diffConfigs([
      { train: { lr: 1, seed: 1 }, adapter: { method: 'mov', experts: 10 } },
      { train: { lr: 2, seed: 1 }, adapter: { method: 'lora', rank: 16 } },
    ])
    expect(rows.map((r) => [r.path, r.differs])).toEqual([
      ['adapter.method', true], ['adapter.experts', true], ['adapter.rank', true], ['train.lr', true], ['train.seed', false],
    ])
    expect(rows.find((r) => r.path === 'adapter.rank')?.values).toEqual([null, 16])
  })

  it('shows model.quantize as the difference between a run on a bare folder and one on its 4-bit base', () => {
    // The first is stored as a run recorded before model.quantize was: the folder alone.
    const rows = diffConfigs([
      { model: '/models/tiny', train: { lr: 1 } },
      { model: { path: '/models/tiny', quantize: 'int4' }, train: { lr: 1 } },
    ])
    expect(rows.map((r) => [r.path, r.values, r.differs])).toEqual([
      ['model.path', ['/models/tiny', '/models/tiny'], false],
      ['model.quantize', ['none', 'int4'], true],
      ['train.lr', [1, 1], false],
    ])
  })
})
