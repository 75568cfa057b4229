// Every method inside a two-layer transformer built from nn blocks: training starts at the base
// model, gradients of every parameter tensor match finite differences, the whole training graph
// (loss, gradients, router statistics) runs in onnxruntime as the reference computes it, and
// parameter names, shapes and counts follow docs/DESIGN.md's native format.
import { describe, expect, it } from 'vitest'
import { createAdapter, NO_ADAPTER, type AdapterBuild } from '../../../main/engine/adapters'
import { gradients } from '../../../main/engine/autodiff'
import { F, Graph, type Value } from '../../../main/engine/ir'
import { evaluate, type NdArray } from '../../../main/engine/reference'
import type { HostTensor } from '../../../main/runtime'
import { compareWithReference } from '../../helpers/ort-vs-reference'
import { checkParameterGradients } from './support/finite-differences'
import { parameterFeeds, perturbedValues } from './support/site-graph'
import { buildTinyTransformer, TINY, tinyBatch } from './support/tiny-transformer'

const configs: Record<string, Record<string, unknown>> = {
  '(IA)³': { method: 'ia3' },
  'MoV, 3 experts': { method: 'mov', experts: 3 },
  'MoV, top-2 of 3, load balancing 0.2': { method: 'mov', experts: 3, top_k: 2, load_balancing_coefficient: 0.2 },
  'LoRA r=2 on the default projections': { method: 'lora', rank: 2 },
  'MoLoRA 2 experts of rank 2, load balancing 0.1': { method: 'molora', experts: 2, rank: 2, load_balancing_coefficient: 0.1 },
}

interface Built {
  graph: Graph
  build: AdapterBuild
  logits: Value
  loss: Value
}

function buildWith(config: Record<string, unknown>, dtype: 'float32' | 'float64'): Built {
  const graph = new Graph()
  const attachment = createAdapter(config).attach(graph, { dtype })
  const model = buildTinyTransformer(graph, attachment, dtype)
  const build = attachment.finish()
  const loss = build.auxiliaryLoss ? F.add(model.loss, F.cast(build.auxiliaryLoss, model.loss.dtype)) : model.loss
  return { graph, build, logits: model.logits, loss }
}

function baseLogits(): NdArray {
  const graph = new Graph()
  const model = buildTinyTransformer(graph, NO_ADAPTER, 'float64')
  return evaluate(graph, tinyBatch('float64'), [model.logits])[0]
}

describe.each(Object.entries(configs))('%s in a tiny transformer', (_name, config) => {
  it('starts exactly at the base model (up to rounding of Σp = 1)', () => {
    const base = baseLogits()
    const { graph, build, logits } = buildWith(config, 'float64')
    const init = build.initialValues(42)
    const [adapted] = evaluate(graph, { ...tinyBatch('float64'), ...parameterFeeds(build.parameters, init, 'float64') }, [logits])
    let diff = 0
    adapted.data.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - base.data[i]))))
    // Top-k without renormalisation keeps only part of the probability mass: MoV then starts at
    // Σ_kept p ≤ 1 times the activation, as in the reference code.
    if (config.method === 'mov' && config.top_k) expect(diff).toBeGreaterThan(1e-3)
    else expect(diff).toBeLessThan(1e-12)
  })

  it('gives every parameter tensor the gradient finite differences give (4 elements each)', () => {
    const { graph, build, loss } = buildWith(config, 'float64')
    const feeds = { ...tinyBatch('float64'), ...parameterFeeds(build.parameters, perturbedValues(build.parameters, 8), 'float64') }
    const checks = checkParameterGradients(graph, loss, build.parameters, feeds, 4)
    expect(checks.length).toBeGreaterThan(0)
    expect(Math.max(...checks.map((c) => c.maxGradient))).toBeGreaterThan(1e-3)
    for (const check of checks) expect(check.maxError, check.name).toBeLessThan(1e-7)
  })

  it('runs the training graph in float32 through onnxruntime as the reference computes it', async () => {
    const { graph, build, loss } = buildWith(config, 'float32')
    graph.output('loss', loss)
    const grads = gradients(loss, build.parameters.map((p) => p.value))
    build.parameters.forEach((p, i) => graph.output(`grad:${p.name}`, grads[i]))
    for (const s of build.routerStatistics()) {
      graph.output(`router:${s.site.module}:load`, s.load)
      graph.output(`router:${s.site.module}:entropy`, s.entropy)
    }
    if (build.auxiliaryLoss) graph.output('aux', build.auxiliaryLoss)
    const arrays = { ...tinyBatch('float32'), ...parameterFeeds(build.parameters, perturbedValues(build.parameters, 9), 'float32') }
    const feeds: Record<string, HostTensor> = {}
    for (const [name, a] of Object.entries(arrays)) {
      feeds[name] = a.dtype === 'int64' ? { dtype: 'int64', shape: a.shape, data: BigInt64Array.from(a.data, (v) => BigInt(v)) } : { dtype: 'float32', shape: a.shape, data: Float32Array.from(a.data) }
    }
    const [comparisons] = await compareWithReference(graph, [feeds])
    for (const o of comparisons) {
      expect(o.shape, o.name).toEqual(o.referenceShape)
      expect(o.maxAbsError / o.scale, o.name).toBeLessThan(1e-4)
    }
  })
})

describe('parameters follow the native adapter format', () => {
  const { hidden: d, heads: H, kvHeads: KV, headDim: Dh, dFf, layers } = TINY
  const shapesOf = (config: Record<string, unknown>) => {
    const { build } = buildWith(config, 'float32')
    return { build, shapes: Object.fromEntries(build.parameters.map((p) => [p.name, p.shape])) }
  }

  it('(IA)³: k/v vectors [kv_heads·head_dim], FFN vector [d_ff]', () => {
    const { build, shapes } = shapesOf({ method: 'ia3' })
    expect(shapes['model.layers.0.self_attn.k_proj.ia3_l']).toEqual([KV * Dh])
    expect(shapes['model.layers.1.self_attn.v_proj.ia3_l']).toEqual([KV * Dh])
    expect(shapes['model.layers.0.mlp.ia3_l']).toEqual([dFf])
    expect(build.trainableParameterCount).toBe(layers * (2 * KV * Dh + dFf))
  })

  it('MoV: vectors [kv_heads, E, head_dim] / [E, d_ff], routers [E, head_dim] / [E, d_ff]', () => {
    const E = 5
    const { build, shapes } = shapesOf({ method: 'mov', experts: E })
    expect(shapes['model.layers.0.self_attn.k_proj.mov_vectors']).toEqual([KV, E, Dh])
    expect(shapes['model.layers.0.self_attn.k_proj.mov_router.weight']).toEqual([E, Dh])
    expect(shapes['model.layers.1.mlp.mov_vectors']).toEqual([E, dFf])
    expect(shapes['model.layers.1.mlp.mov_router.weight']).toEqual([E, dFf])
    expect(build.trainableParameterCount).toBe(layers * (2 * (KV * E * Dh + E * Dh) + 2 * E * dFf))
    expect(build.routerStatistics().map((s) => s.site.site)).toEqual(['k', 'v', 'ffn', 'k', 'v', 'ffn'])
  })

  it('LoRA: A [r, in], B [out, r] on q, k, v, o, gate, down by default (up when asked)', () => {
    const r = 3
    const { build, shapes } = shapesOf({ method: 'lora', rank: r })
    expect(shapes['model.layers.0.self_attn.q_proj.lora_A.weight']).toEqual([r, d])
    expect(shapes['model.layers.0.self_attn.q_proj.lora_B.weight']).toEqual([H * Dh, r])
    expect(shapes['model.layers.0.mlp.down_proj.lora_A.weight']).toEqual([r, dFf])
    expect(shapes['model.layers.0.mlp.up_proj.lora_A.weight']).toBeUndefined()
    const perLayer = r * (d + H * Dh) + 2 * r * (d + KV * Dh) + r * (H * Dh + d) + r * (d + dFf) + r * (dFf + d)
    expect(build.trainableParameterCount).toBe(layers * perLayer)
    const withUp = shapesOf({ method: 'lora', rank: r, sites: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] })
    expect(withUp.build.trainableParameterCount).toBe(layers * (perLayer + r * (d + dFf)))
  })

  it('MoLoRA: A [E, r, in], B [E, out, r], router [E, in]', () => {
    const E = 4, r = 2
    const { build, shapes } = shapesOf({ method: 'molora', experts: E, rank: r, sites: ['v', 'gate'] })
    expect(shapes['model.layers.0.self_attn.v_proj.molora_A']).toEqual([E, r, d])
    expect(shapes['model.layers.0.self_attn.v_proj.molora_B']).toEqual([E, KV * Dh, r])
    expect(shapes['model.layers.0.self_attn.v_proj.molora_router.weight']).toEqual([E, d])
    expect(shapes['model.layers.1.mlp.gate_proj.molora_router.weight']).toEqual([E, d])
    const site = (dIn: number, dOut: number) => E * r * (dIn + dOut) + E * dIn
    expect(build.trainableParameterCount).toBe(layers * (site(d, KV * Dh) + site(d, dFf)))
    expect(build.parameters.length).toBe(layers * 2 * 3)
  })

  it('site selection: (IA)³ on keys only touches nothing else', () => {
    const { build } = shapesOf({ method: 'ia3', sites: ['keys'] })
    expect(build.parameters.map((p) => p.name)).toEqual(['model.layers.0.self_attn.k_proj.ia3_l', 'model.layers.1.self_attn.k_proj.ia3_l'])
  })
})
