// A mixture with one expert is its single-expert method: MoV(E=1) is (IA)³ and MoLoRA(E=1) is
// LoRA — same init, same outputs, same gradients (the router's softmax over one expert is
// exactly 1, so its gradient is exactly 0).
import { describe, expect, it } from 'vitest'
import { createAdapter, type AdapterBuild } from '../../../main/engine/adapters'
import { gradients } from '../../../main/engine/autodiff'
import { Graph, type Value } from '../../../main/engine/ir'
import { evaluate, type NdArray } from '../../../main/engine/reference'
import { parameterFeeds, perturbedValues } from './support/site-graph'
import { buildTinyTransformer, tinyBatch } from './support/tiny-transformer'

interface Run {
  build: AdapterBuild
  logits: NdArray
  grads: Map<string, NdArray>
}

/** Builds the tiny transformer with `config`, feeds `values(parameters)`, returns logits and every gradient. */
function run(config: Record<string, unknown>, values: (build: AdapterBuild) => Map<string, ArrayLike<number>>): Run {
  const graph = new Graph()
  const attachment = createAdapter(config).attach(graph, { dtype: 'float64' })
  const model = buildTinyTransformer(graph, attachment, 'float64')
  const build = attachment.finish()
  const grads = gradients(model.loss, build.parameters.map((p) => p.value))
  const fetches: Value[] = [model.logits, ...grads]
  const [logits, ...g] = evaluate(graph, { ...tinyBatch('float64'), ...parameterFeeds(build.parameters, values(build), 'float64') }, fetches)
  return { build, logits, grads: new Map(build.parameters.map((p, i) => [p.name, g[i]])) }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs))

describe('MoV with one expert is (IA)³', () => {
  const ia3 = run({ method: 'ia3' }, (b) => perturbedValues(b.parameters, 31))
  const ia3Values = perturbedValues(ia3.build.parameters, 31)
  const asIa3 = (name: string) => name.replace('mov_vectors', 'ia3_l')
  const mov = run({ method: 'mov', experts: 1 }, (b) => {
    const random = perturbedValues(b.parameters, 32)
    // the same vectors ([kv_heads, 1, head_dim] is [kv_heads·head_dim] in memory); any router
    return new Map(b.parameters.map((p) => [p.name, p.name.includes('mov_vectors') ? (ia3Values.get(asIa3(p.name)) as Float64Array) : (random.get(p.name) as Float64Array)]))
  })

  it('starts from the same vectors', () => {
    const a = ia3.build.initialValues(7)
    const b = mov.build.initialValues(7)
    for (const [name, values] of b) if (name.includes('mov_vectors')) expect(values).toEqual(a.get(asIa3(name)))
  })

  it('computes the same logits and the same vector gradients; the router gets none', () => {
    expect(maxAbs(ia3.logits.data)).toBeGreaterThan(0.1)
    expect(maxDiff(mov.logits.data, ia3.logits.data)).toBeLessThan(1e-13)
    let compared = 0
    for (const [name, grad] of mov.grads) {
      if (name.includes('router')) {
        expect(maxAbs(grad.data), name).toBe(0)
        continue
      }
      const want = ia3.grads.get(asIa3(name)) as NdArray
      expect(maxAbs(want.data), name).toBeGreaterThan(1e-4)
      expect(maxDiff(grad.data, want.data), name).toBeLessThan(1e-13)
      compared++
    }
    expect(compared).toBe(ia3.grads.size)
  })
})

describe('MoLoRA with one expert is LoRA', () => {
  const r = 2
  const lora = run({ method: 'lora', rank: r }, (b) => perturbedValues(b.parameters, 41))
  const loraValues = perturbedValues(lora.build.parameters, 41)
  const asLora = (name: string) => name.replace('molora_A', 'lora_A.weight').replace('molora_B', 'lora_B.weight')
  const molora = run({ method: 'molora', experts: 1, rank: r }, (b) => {
    const random = perturbedValues(b.parameters, 42)
    // [1, r, in] and [1, out, r] are LoRA's [r, in] and [out, r] in memory; any router
    return new Map(b.parameters.map((p) => [p.name, p.name.includes('router') ? (random.get(p.name) as Float64Array) : (loraValues.get(asLora(p.name)) as Float64Array)]))
  })

  it('draws the same initial A (and zero B) from the same seed', () => {
    const a = lora.build.initialValues(123)
    const b = molora.build.initialValues(123)
    let checked = 0
    for (const [name, values] of b) {
      if (name.includes('router')) continue
      expect(values, name).toEqual(a.get(asLora(name)))
      checked++
    }
    expect(checked).toBe(a.size)
    expect(maxAbs(b.get('model.layers.0.self_attn.q_proj.molora_A') as Float32Array)).toBeGreaterThan(0)
  })

  it('computes the same logits and the same A/B gradients; the router gets none', () => {
    expect(maxDiff(molora.logits.data, lora.logits.data)).toBeLessThan(1e-13)
    let compared = 0
    for (const [name, grad] of molora.grads) {
      if (name.includes('router')) {
        expect(maxAbs(grad.data), name).toBe(0)
        continue
      }
      const want = lora.grads.get(asLora(name)) as NdArray
      expect(maxAbs(want.data), name).toBeGreaterThan(1e-5)
      expect(maxDiff(grad.data, want.data), name).toBeLessThan(1e-13)
      compared++
    }
    expect(compared).toBe(lora.grads.size)
  })
})
