// Pre-packing is chosen only when it cannot hold a weight twice: each weight has one reader.
import { describe, expect, it } from 'vitest'
import { gradients } from '../../../main/engine/autodiff'
import { F, Graph, type DType } from '../../../main/engine/ir'
import { embedding, linear } from '../../../main/engine/nn'
import { emitModel } from '../../../main/engine/onnx'
import { eachWeightReadOnce } from '../../../main/runtime'

function readOnce(g: Graph): boolean {
  return eachWeightReadOnce(emitModel(g), new Set(g.weights.map((w) => w.name!)))
}

function twoLinears(dtype: DType, train: boolean): Graph {
  const g = new Graph()
  const x = g.input('x', 'float32', ['batch', 8])
  const v = g.input('v', 'float32', [8])
  const w = (name: string) => g.weight(name, dtype, [8, 8], { kind: 'inline', data: new Array(64).fill(0.5) })
  const y = linear(F.mul(linear(x, w('w0')), v), w('w1'))
  const loss = F.sum(y, [0, 1])
  g.output('loss', loss)
  if (train) g.output('grad_v', gradients(loss, [v])[0])
  return g
}

describe('eachWeightReadOnce', () => {
  it('allows pre-packing a forward pass, whose weights each feed one Gemm, also through an in-graph Cast', () => {
    expect(readOnce(twoLinears('float32', false))).toBe(true)
    expect(readOnce(twoLinears('float16', false))).toBe(true)
  })

  it('refuses a train step, whose weights the forward Gemm and the backward MatMul both read', () => {
    expect(readOnce(twoLinears('float32', true))).toBe(false)
    expect(readOnce(twoLinears('float16', true))).toBe(false) // the folded float32 copy has both readers
  })

  it('refuses a tied embedding, read by the Gather and by the LM head', () => {
    const g = new Graph()
    const table = g.weight('embed', 'float32', [16, 8], { kind: 'inline', data: new Array(128).fill(0.1) })
    g.output('logits', linear(embedding(g.input('ids', 'int64', ['batch', 'seq']), table), table))
    expect(readOnce(g)).toBe(false)
  })
})
