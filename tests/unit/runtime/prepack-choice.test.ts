// Pre-packing is chosen only when it cannot hold a weight twice: each weight has one reader.
import { describe, expect, it } from 'vitest'
import { gradients } from '../../../main/engine/autodiff'
import { F, Graph, type DType } from '../../../main/engine/ir'
import { embedding, linear, quantizedEmbedding, quantizedLinear, type QuantizedWeight } from '../../../main/engine/nn'
import { quantizedFixture } from '../../helpers/quantized-fixture'
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

  describe('a quantized weight', () => {
    function quantized(g: Graph, name: string): QuantizedWeight {
      const w = quantizedFixture(4, 16, 32)
      const part = { attrs: w.attrs, firstRow: 0, q: g.weight(`${name}.q4`, 'uint8', w.qShape, { kind: 'inline', data: w.q }), scales: g.weight(`${name}.scales`, 'float32', w.scalesShape, { kind: 'inline', data: w.scales }) }
      return { whole: part, pieces: [part] }
    }

    it('allows a forward pass (MatMulNBits reads each once)', () => {
      const g = new Graph()
      g.output('y', quantizedLinear(g.input('x', 'float32', ['batch', 32]), quantized(g, 'w')))
      expect(readOnce(g)).toBe(true)
    })

    it('refuses a train step: MatMulNBits reads it forward, GatherBlockQuantized dequantizes it for the backward', () => {
      const g = new Graph()
      const v = g.input('v', 'float32', [32])
      const loss = F.sum(quantizedLinear(F.mul(g.input('x', 'float32', ['batch', 32]), v), quantized(g, 'w')), [0, 1])
      g.output('loss', loss)
      g.output('grad_v', gradients(loss, [v])[0])
      expect(readOnce(g)).toBe(false)
    })

    it('refuses a tied quantized embedding, read by GatherBlockQuantized and MatMulNBits', () => {
      const g = new Graph()
      const table = quantized(g, 'embed')
      g.output('logits', quantizedLinear(quantizedEmbedding(g.input('ids', 'int64', ['batch', 'seq']), table), table))
      expect(readOnce(g)).toBe(false)
    })
  })
})
