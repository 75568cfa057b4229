// Emission absorbs transposes (main/engine/onnx/emit-transposes.ts): x·Wᵀ becomes Gemm(transB=1)
// reading W as stored, and chains of transposes collapse, so ORT finds no Transpose(W) to fold
// into a copy of the weight. Structure is checked on the emitted model, values against the reference.
import { describe, expect, it } from 'vitest'
import { gradients } from '../../../main/engine/autodiff'
import { F, Graph, type Value } from '../../../main/engine/ir'
import { linear } from '../../../main/engine/nn'
import { emitModel, type ModelProtoObject, type NodeProtoObject } from '../../../main/engine/onnx'
import { compareWithReference, f32, rng, uniform } from '../../helpers/ort-vs-reference'

const random = rng(5)

function intAttr(node: NodeProtoObject, name: string): number | undefined {
  const a = node.attribute?.find((x) => x.name === name)
  return a === undefined ? undefined : Number(a.i)
}

function readersOf(model: ModelProtoObject, tensor: string): NodeProtoObject[] {
  return model.graph.node.filter((n) => n.input.includes(tensor))
}

/** y = (x·Wᵀ) ⊙ v, loss = Σ y; gradients for x and for the trainable vector v. */
function linearWithGradients(xShape: (number | string)[]): Graph {
  const g = new Graph()
  const x = g.input('x', 'float32', xShape)
  const w = g.weight('w', 'float32', [4, 8], { kind: 'inline', data: uniform(random, 32) })
  const v = g.input('v', 'float32', [4])
  const y = F.mul(linear(x, w), v)
  const loss = F.sum(y, xShape.map((_, i) => i))
  g.output('y', y)
  const [dx, dv] = gradients(loss, [x, v])
  g.output('dx', dx)
  g.output('dv', dv)
  return g
}

describe('emission of x·Wᵀ and of transpose chains', () => {
  it('reads the weight [out, in] in place: Gemm(transB=1) forward, MatMul(dY, W) backward, no Transpose of W', () => {
    const model = emitModel(linearWithGradients(['batch', 'seq', 8]))
    const readers = readersOf(model, 'w')
    expect(readers.map((n) => n.opType).sort()).toEqual(['Gemm', 'MatMul'])
    const gemm = readers.find((n) => n.opType === 'Gemm')!
    expect(gemm.input[1]).toBe('w')
    expect(intAttr(gemm, 'transB')).toBe(1)
    expect(readers.find((n) => n.opType === 'MatMul')!.input[1]).toBe('w')
    expect(model.graph.node.filter((n) => n.opType === 'Transpose')).toEqual([])
  })

  it('flattens a rank-3 input around the Gemm and uses no reshape for a rank-2 one', () => {
    const rank3 = emitModel(linearWithGradients(['batch', 'seq', 8]))
    const gemm3 = rank3.graph.node.find((n) => n.opType === 'Gemm')!
    expect(rank3.graph.node.find((n) => n.output.includes(gemm3.input[0]))!.opType).toBe('Reshape')
    expect(rank3.graph.node.find((n) => n.input.includes(gemm3.output[0]))!.opType).toBe('Reshape')
    const rank2 = emitModel(linearWithGradients(['batch', 8]))
    const gemm2 = rank2.graph.node.find((n) => n.opType === 'Gemm')!
    expect(gemm2.input).toEqual(['x', 'w'])
    expect(rank2.graph.node.filter((n) => n.opType === 'Reshape' && n.input[0] === gemm2.output[0])).toEqual([])
  })

  it('matches the reference forward and backward, at several batch and sequence sizes', async () => {
    for (const [xShape, sizes] of [
      [['batch', 'seq', 8], [[2, 3], [1, 5]]],
      [['batch', 8], [[3], [1]]],
      [[2, 'seq', 8], [[4]]],
    ] as const) {
      const g = linearWithGradients([...xShape])
      const feeds = sizes.map((dims) => {
        let k = 0
        const shape: number[] = xShape.map((d) => (typeof d === 'number' ? d : dims[k++]))
        const n = shape.reduce((a, b) => a * b, 1)
        return { x: f32(shape, uniform(random, n)), v: f32([4], uniform(random, 4)) }
      })
      for (const outputs of await compareWithReference(g, feeds)) {
        for (const o of outputs) {
          expect(o.shape, o.name).toEqual(o.referenceShape)
          expect(o.maxAbsError / o.scale, o.name).toBeLessThan(1e-5)
        }
      }
    }
  })

  it('drops a chain of transposes whose permutations cancel, and emits one Transpose for a chain that does not', async () => {
    const g = new Graph()
    const x = g.input('x', 'float32', [2, 3, 4])
    const there = F.transpose(F.transpose(x, [1, 2, 0]), [2, 0, 1]) // back to [2, 3, 4]
    const elsewhere = F.transpose(F.transpose(x, [1, 2, 0]), [1, 0, 2]) // [4, 3, 2]
    g.output('same', F.neg(there))
    g.output('moved', F.neg(elsewhere))
    const model = emitModel(g)
    const transposes = model.graph.node.filter((n) => n.opType === 'Transpose')
    expect(transposes).toHaveLength(1)
    expect(transposes[0].input).toEqual(['x'])
    expect(transposes[0].attribute![0].ints!.map(Number)).toEqual([2, 1, 0])
    expect(model.graph.node.find((n) => n.output.includes('same'))!.input).toEqual(['x'])
    const [outputs] = await compareWithReference(g, [{ x: f32([2, 3, 4], uniform(random, 24)) }])
    for (const o of outputs) {
      expect(o.shape).toEqual(o.referenceShape)
      expect(o.maxAbsError).toBe(0)
    }
  })

  it('still produces a graph output that is a cancelling chain of transposes', async () => {
    const g = new Graph()
    const x = g.input('x', 'float32', [2, 3])
    const back: Value = F.transpose(F.transpose(x, [1, 0]), [1, 0])
    g.output('back', back)
    const model = emitModel(g)
    expect(model.graph.node.flatMap((n) => n.output)).toContain('back')
    const [outputs] = await compareWithReference(g, [{ x: f32([2, 3], uniform(random, 6)) }])
    expect(outputs[0].maxAbsError).toBe(0)
  })
})
