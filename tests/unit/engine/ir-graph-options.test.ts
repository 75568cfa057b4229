// Graph options for GPU targets: fixed dims make a symbolic graph static (and its emission free
// of run-time shape arithmetic), input dtypes are replaced by name, frozen products change dtype.
import { describe, expect, it } from 'vitest'
import { F, Graph } from '../../../main/engine/ir'
import { linear } from '../../../main/engine/nn'
import { emitModel } from '../../../main/engine/onnx'

describe('GraphOptions', () => {
  it('fixedDims turns symbols, products of symbols, reshape targets and iota lengths static', () => {
    const g = new Graph({ fixedDims: { batch: 2, seq: 3 } })
    const x = g.input('x', 'float32', ['batch', 'seq', 4])
    expect(x.shape).toEqual([2, 3, 4])
    const rows = F.reshape(x, ['batch*seq', 4])
    expect(rows.shape).toEqual([6, 4])
    const positions = F.iota(x, 'seq')
    expect(positions.shape).toEqual([3])
    g.output('rows', rows)
    g.output('positions', positions)
    const ops = emitModel(g).graph.node.map((n) => n.opType)
    expect(ops).not.toContain('Shape')
    expect(ops).not.toContain('Range')
    // a symbol that is not fixed stays symbolic
    expect(new Graph({ fixedDims: { batch: 2 } }).input('y', 'float32', ['batch', 'seq']).shape).toEqual([2, 'seq'])
  })

  it('refuses a fixed dim that is not a positive integer, naming it', () => {
    expect(() => new Graph({ fixedDims: { seq: 0 } })).toThrow('fixed dim "seq" must be a positive integer, got 0')
    expect(() => new Graph({ fixedDims: { batch: 1.5 } })).toThrow(/"batch"/)
  })

  it('inputDTypes replaces the declared dtype by name', () => {
    const g = new Graph({ inputDTypes: { attention_mask: 'float32' } })
    expect(g.input('attention_mask', 'int64', [2]).dtype).toBe('float32')
    expect(g.input('input_ids', 'int64', [2]).dtype).toBe('int64')
  })

  it('frozenMatmulDType: linear multiplies in it and returns float32', () => {
    const g = new Graph({ frozenMatmulDType: 'float16' })
    const x = g.input('x', 'float32', [2, 4])
    const w = g.weight('w', 'bfloat16', [3, 4], { kind: 'inline', data: new Array(12).fill(0) })
    const y = linear(x, w)
    expect(y.dtype).toBe('float32')
    const product = g.nodes.find((n) => n.op === 'MatMul')!
    expect(product.inputs.map((v) => v.dtype)).toEqual(['float16', 'float16'])
    // the default graph multiplies in float32
    const h = new Graph()
    linear(h.input('x', 'float32', [2, 4]), h.weight('w', 'float16', [3, 4], { kind: 'inline', data: new Array(12).fill(0) }))
    expect(h.nodes.find((n) => n.op === 'MatMul')!.inputs.map((v) => v.dtype)).toEqual(['float32', 'float32'])
  })
})
