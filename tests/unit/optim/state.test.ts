// Optimizer state survives a checkpoint: saved after some steps and loaded into a fresh
// optimizer, training continues bit for bit as if never interrupted.
import { describe, expect, it } from 'vitest'
import { createOptimizer, type OptimizerSpec, type OptimizerState, type ParameterShape } from '../../../main/engine/optim'
import { randomArray } from './support'

const params: ParameterShape[] = [
  { name: 'model.layers.0.mlp.mov_vectors', shape: [3, 8] },
  { name: 'model.layers.0.mlp.mov_router.weight', shape: [3, 8] },
  { name: 'model.layers.0.self_attn.k_proj.ia3_l', shape: [8] },
]

const specs: OptimizerSpec[] = [
  { optimizer: 'adamw', weightDecay: 0.01 },
  { optimizer: 'adafactor', beta1: 0.9 },
  { optimizer: 'adafactor' },
  { optimizer: 'sgd', momentum: 0.9 },
]

const gradsAt = (k: number) => Object.fromEntries(params.map((p, i) => [p.name, randomArray(1000 * k + i, p.shape.reduce((a, b) => a * b, 1), 0.1)]))
const initial = () => Object.fromEntries(params.map((p, i) => [p.name, randomArray(i + 1, p.shape.reduce((a, b) => a * b, 1))]))

/** What a checkpoint does to the state: numbers through JSON, tensors out to bytes and back. */
function throughBytes(state: OptimizerState): OptimizerState {
  const copyBytes = (v: Float32Array) => {
    const bytes = new Uint8Array(v.byteLength)
    bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    return new Float32Array(bytes.buffer)
  }
  const header = JSON.parse(JSON.stringify({ kind: state.kind, step: state.step })) as Pick<OptimizerState, 'kind' | 'step'>
  return { ...header, tensors: Object.fromEntries(Object.entries(state.tensors).map(([k, v]) => [k, copyBytes(v)])) }
}

describe.each(specs)('$optimizer state round trip (%o)', (spec) => {
  it('continues bit for bit after save and load into a fresh optimizer', () => {
    const straight = createOptimizer(params, spec)
    const values = initial()
    for (let k = 0; k < 6; k++) straight.update(values, gradsAt(k), 1e-2)

    const first = createOptimizer(params, spec)
    const resumed = initial()
    for (let k = 0; k < 3; k++) first.update(resumed, gradsAt(k), 1e-2)
    const saved = throughBytes(first.state())
    const second = createOptimizer(params, spec)
    second.loadState(saved)
    expect(second.step).toBe(3)
    for (let k = 3; k < 6; k++) second.update(resumed, gradsAt(k), 1e-2)

    for (const p of params) expect(resumed[p.name]).toEqual(values[p.name])
  })

  it('hands out a copy: later updates do not change a saved state', () => {
    const opt = createOptimizer(params, spec)
    const values = initial()
    opt.update(values, gradsAt(0), 1e-2)
    const saved = opt.state()
    const before = Object.fromEntries(Object.entries(saved.tensors).map(([k, v]) => [k, v.slice()]))
    opt.update(values, gradsAt(1), 1e-2)
    expect(saved.tensors).toEqual(before)
  })
})

describe('loading a state that does not fit', () => {
  it('names the wrong optimizer, a missing, an extra and a mis-sized tensor', () => {
    const adamw = createOptimizer(params, { optimizer: 'adamw' })
    const state = adamw.state()
    expect(() => createOptimizer(params, { optimizer: 'sgd', momentum: 0.9 }).loadState(state)).toThrow(/cannot load adamw optimizer state into sgd/)
    const { ['model.layers.0.mlp.mov_vectors/exp_avg']: _dropped, ...missing } = state.tensors
    expect(() => adamw.loadState({ ...state, tensors: missing })).toThrow(/lacks model\.layers\.0\.mlp\.mov_vectors\/exp_avg/)
    expect(() => adamw.loadState({ ...state, tensors: { ...state.tensors, 'other/exp_avg': new Float32Array(1) } })).toThrow(/parameters this run does not train: other\/exp_avg/)
    expect(() => adamw.loadState({ ...state, tensors: { ...state.tensors, 'model.layers.0.self_attn.k_proj.ia3_l/exp_avg_sq': new Float32Array(9) } })).toThrow(/has 9 values, this run needs 8/)
    expect(() => createOptimizer([{ name: 'a', shape: [1] }, { name: 'a', shape: [1] }], { optimizer: 'adamw' })).toThrow(/parameter a is listed twice/)
  })
})
