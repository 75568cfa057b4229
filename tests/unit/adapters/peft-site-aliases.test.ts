// adapter.sites accepts PEFT's target_modules names (q_proj ... down_proj, T5 v1.0's wi) beside
// ours: each adapts the projection whose module the model calls that, and one the chosen model
// has no such module for is refused, naming it and listing what the model has.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch, type TinyModelOptions } from '../../helpers/tiny-models'
import { createAdapter, parseAdapterConfig } from '../../../main/engine/adapters'
import { buildDecoderOnly, buildT5 } from '../../../main/engine/models'
import { Graph } from '../../../main/engine/ir'
import { openModel } from '../../../main/models/inference/open-model'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir()))
afterAll(() => tmp.remove())

/** The adapter tensors a LoRA with these sites puts on a tiny model, or the error it meets. */
function loraTensors(arch: TinyArch, sites: string[], options: TinyModelOptions = {}, label: string = arch): string[] {
  const model = openModel(writeTinyModel(join(tmp.dir, `${label}-${sites.join('-')}`), arch, options).dir)
  const graph = new Graph()
  const hooks = createAdapter({ method: 'lora', rank: 2, sites }).attach(graph)
  if (model.spec.family === 't5') buildT5(model.spec, model.checkpoint, { hooks }, graph)
  else buildDecoderOnly(model.spec, model.checkpoint, { hooks }, graph)
  return hooks.finish().parameters.map((p) => p.name).filter((name) => name.endsWith('lora_A.weight'))
}

describe('PEFT names in adapter.sites', () => {
  it("Llama's q_proj ... down_proj adapt the same projections as q ... down", () => {
    const peft = loraTensors('llama', ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'])
    const ours = loraTensors('llama', ['q', 'k', 'v', 'o', 'gate', 'up', 'down'])
    expect(peft).toEqual(ours)
    expect(peft).toContain('model.layers.0.self_attn.q_proj.lora_A.weight')
    expect(peft).toContain('model.layers.0.mlp.down_proj.lora_A.weight')
    expect(loraTensors('llama', ['v_proj', 'q'])).toEqual(['model.layers.0.self_attn.q_proj.lora_A.weight', 'model.layers.0.self_attn.v_proj.lora_A.weight', 'model.layers.1.self_attn.q_proj.lora_A.weight', 'model.layers.1.self_attn.v_proj.lora_A.weight'])
  })

  it("GPT-2's c_attn, c_proj, c_fc and T5's q, k, v, o, wi_0, wi_1, wo are our names already; T5 v1.0's wi is its wi_0", () => {
    expect(loraTensors('gpt2', ['c_attn', 'c_proj', 'c_fc']).filter((n) => n.includes('.h.0.'))).toEqual(['transformer.h.0.attn.c_attn.lora_A.weight', 'transformer.h.0.attn.c_proj.lora_A.weight', 'transformer.h.0.mlp.c_fc.lora_A.weight'])
    expect(loraTensors('t5', ['q', 'k', 'v', 'o', 'wi_0', 'wi_1', 'wo']).filter((n) => n.startsWith('encoder.block.0.'))).toEqual([
      'encoder.block.0.layer.0.SelfAttention.k.lora_A.weight',
      'encoder.block.0.layer.0.SelfAttention.v.lora_A.weight',
      'encoder.block.0.layer.0.SelfAttention.q.lora_A.weight',
      'encoder.block.0.layer.0.SelfAttention.o.lora_A.weight',
      'encoder.block.0.layer.1.DenseReluDense.wi_0.lora_A.weight',
      'encoder.block.0.layer.1.DenseReluDense.wi_1.lora_A.weight',
      'encoder.block.0.layer.1.DenseReluDense.wo.lora_A.weight',
    ])
    const v10 = { config: { feed_forward_proj: 'relu' } }
    expect(loraTensors('t5', ['wi'], v10, 't5v10').filter((n) => n.startsWith('encoder.block.0.'))).toEqual(['encoder.block.0.layer.1.DenseReluDense.wi.lora_A.weight'])
    expect(loraTensors('t5', ['wi_0'], v10, 't5v10')).toEqual(loraTensors('t5', ['wi'], v10, 't5v10'))
  })

  it('a PEFT name the chosen model has no module for is refused, naming it and listing the sites the model has', () => {
    expect(() => loraTensors('t5', ['q_proj', 'v'])).toThrow(/adapter\.sites lists q_proj, which this model does not have \(its sites: k, v, q, o, wi_0, wi_1, wo\)/)
    expect(() => loraTensors('gpt2', ['down_proj'])).toThrow(/adapter\.sites lists down_proj, which this model does not have \(its sites: c_attn, c_proj, c_fc, mlp_c_proj\)/)
    expect(() => loraTensors('llama', ['wi', 'c_fc'])).toThrow(/lists wi, c_fc, which this model does not have \(its sites: q, k, v, o, gate, up, down, or PEFT's q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj\)/)
    // v1.1's wi_0 and wi_1 are not v1.0's wi: PEFT's wi finds no module there either.
    expect(() => loraTensors('t5', ['wi'])).toThrow(/lists wi, which this model does not have/)
  })

  it('are kept as written in the configuration, and a PEFT name beside ours for the same projection is listed twice', () => {
    expect(parseAdapterConfig({ method: 'molora', sites: ['q_proj', 'down_proj'] })).toMatchObject({ sites: ['q_proj', 'down_proj'] })
    expect(() => parseAdapterConfig({ method: 'lora', sites: ['q', 'q_proj'] })).toThrow(/adapter\.sites: lists a site twice \(a PEFT name and ours for the same projection\)/)
    expect(() => parseAdapterConfig({ method: 'lora', sites: ['query'] })).toThrow(/adapter\.sites\.0: must be a projection name: q, k, v.*\(or PEFT's q_proj, k_proj/)
  })
})
