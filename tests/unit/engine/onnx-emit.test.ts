// Emission as a whole: symbolic shapes resolved at run time, names, pruning, the size report.
import { describe, expect, it } from 'vitest'
import { F, Graph, GraphBuildError } from '../../../main/engine/ir'
import { describeModel, emitModel, ONNX_OPSET } from '../../../main/engine/onnx'
import { gradients } from '../../../main/engine/autodiff'
import { compareWithReference, f32, rng, uniform } from '../../helpers/ort-vs-reference'

function symbolicGraph(): Graph {
  const g = new Graph()
  const x = g.input('x', 'float32', ['batch', 'seq', 8])
  const w = g.weight('w', 'float32', [8, 4], { kind: 'inline', data: uniform(rng(1), 32) })
  const y = g.scoped('layers.0.proj', () => F.reshape(F.matmul(F.reshape(x, ['batch*seq', 8]), w), ['batch', 'seq', 4])) // one symbol -> -1
  const split = F.reshape(y, ['batch', 'seq', 2, 2]) // two symbols -> run-time shape
  const positions = F.cast(F.iota(x, 'seq'), 'float32') // [seq]
  const bias = F.expand(F.reshape(positions, [1, 'seq', 1, 1]), ['batch', 'seq', 2, 2])
  g.output('y', F.add(split, bias))
  g.output('x_copy', x)
  g.output('y_again', y)
  g.output('y_twice', y)
  return g
}

describe('emitModel', () => {
  it('runs one session at different batch and sequence sizes, matching the reference', async () => {
    const random = rng(3)
    const feeds = [[2, 3], [4, 5], [1, 1]].map(([b, t]) => ({ x: f32([b, t, 8], uniform(random, b * t * 8)) }))
    const results = await compareWithReference(symbolicGraph(), feeds)
    results.forEach((outputs, k) => {
      const [b, t] = [[2, 3], [4, 5], [1, 1]][k]
      expect(outputs.find((o) => o.name === 'y')!.shape).toEqual([b, t, 2, 2])
      for (const o of outputs) {
        expect(o.shape).toEqual(o.referenceShape)
        expect(o.maxAbsError / o.scale).toBeLessThan(1e-5)
      }
    })
  })

  it('reads each symbol once from the input that binds it, and writes -1 where one symbol suffices', () => {
    const model = emitModel(symbolicGraph())
    const shapes = model.graph.node.filter((n) => n.opType === 'Shape')
    expect(shapes.map((n) => n.input[0])).toEqual(['x', 'x']) // batch and seq, each once
    const minusOne = model.graph.initializer!.filter((t) => t.dataType === 7 && t.rawData && new BigInt64Array(new Uint8Array(t.rawData).buffer).includes(-1n))
    expect(minusOne.length).toBeGreaterThan(0)
    expect(model.opsetImport).toEqual([{ domain: '', version: ONNX_OPSET }])
  })

  it('names nodes after their scope, keeps every output name unique and names graph outputs', () => {
    const model = emitModel(symbolicGraph())
    expect(model.graph.node.some((n) => n.name!.startsWith('layers.0.proj/MatMul_'))).toBe(true)
    const produced = model.graph.node.flatMap((n) => n.output)
    expect(new Set(produced).size).toBe(produced.length)
    expect(model.graph.output.map((o) => o.name)).toEqual(['y', 'x_copy', 'y_again', 'y_twice'])
    for (const name of ['y', 'x_copy', 'y_again', 'y_twice']) expect(produced).toContain(name)
  })

  it('leaves out nodes and weights no output depends on', () => {
    const g = new Graph()
    const x = g.input('x', 'float32', [2])
    const unused = g.weight('unused', 'float32', [2], { kind: 'inline', data: [1, 2] })
    F.exp(F.add(x, unused))
    g.output('y', F.neg(x))
    const model = emitModel(g)
    expect(model.graph.node.map((n) => n.opType)).toEqual(['Neg'])
    expect(model.graph.initializer ?? []).toEqual([])
  })

  it('types every intermediate with the IR\'s dims (value_info), so ORT plans the symbolic graph without renaming them', () => {
    const model = emitModel(symbolicGraph())
    const infos = new Map((model.graph!.valueInfo ?? []).map((v) => [v.name, v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? d.dimValue)]))
    expect(infos.size).toBeGreaterThan(3)
    expect([...infos.values()]).toContainEqual(['batch*seq', 4])
    expect([...infos.values()]).toContainEqual(['batch', 'seq', 2, 2])
    // Graph inputs and outputs are typed where they are declared, not again.
    for (const name of ['x', 'y', 'x_copy', 'y_again', 'y_twice']) expect(infos.has(name)).toBe(false)
  })

  it('marks the dims of a graph with recomputed blocks by block part, so ORT reuses a buffer within one part only', () => {
    const build = (recompute: boolean) => {
      const g = new Graph()
      const x = g.input('x', 'float32', ['batch', 8])
      const w = g.input('w', 'float32', [8, 8])
      let h = x
      for (const layer of [0, 1, 2]) h = g.block(`layers.${layer}`, () => F.tanh(F.matmul(h, w)))
      g.output('grad', gradients(F.sum(F.mul(h, h), [0, 1]), [w], { recompute })[0])
      return emitModel(g)
    }
    const dimsByNode = (model: ReturnType<typeof emitModel>) => {
      const dims = new Map((model.graph!.valueInfo ?? []).map((v) => [v.name, v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? d.dimValue)]))
      return model.graph!.node!.flatMap((n) => n.output!.filter((o) => dims.has(o)).map((o) => ({ node: n.name!, dims: dims.get(o)! })))
    }
    // Without recomputation every block's activations are kept anyway: the IR's dims, unmarked.
    const kept = dimsByNode(build(false))
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.flatMap((t) => t.dims).filter((d) => typeof d === 'string')).toSatisfy((ds: string[]) => ds.every((d) => d === 'batch'))

    const recomputed = dimsByNode(build(true))
    const batchDim = (prefix: string) => [...new Set(recomputed.filter((t) => t.node.startsWith(prefix)).flatMap((t) => t.dims.filter((d) => typeof d === 'string')))]
    expect(batchDim('layers.1/')).toEqual(['batch@f1'])
    expect(batchDim('recompute.layers.1/')).toEqual(['batch@b1'])
    expect(batchDim('grad.layers.1/')).toEqual(['batch@b1'])
    expect(batchDim('grad.layers.2/')).toEqual(['batch@b2'])
    // What belongs to no block (the loss and its gradient) stays unmarked.
    expect(recomputed.filter((t) => !/^(grad\.|recompute\.)?layers\./.test(t.node)).flatMap((t) => t.dims)).not.toContainEqual(expect.stringContaining('@'))
  })

  it('refuses a graph output named like a graph input', () => {
    const g = new Graph()
    g.output('x', F.neg(g.input('x', 'float32', [2])))
    expect(() => emitModel(g)).toThrow(/graph output "x" has the name of a graph input/)
  })

  it('refuses a symbol that no graph input binds, naming it', () => {
    const g = new Graph()
    const x = g.input('x', 'float32', ['batch*seq', 4])
    g.output('y', F.reshape(x, ['batch', 'seq', 4]))
    expect(() => emitModel(g)).toThrow(GraphBuildError)
    expect(() => emitModel(g)).toThrow(/"batch"/)
  })

  it('describes the model: op counts, inline and external bytes', () => {
    const g = new Graph()
    const x = g.input('x', 'float32', [2, 4])
    const w = g.weight('w', 'float32', [4, 4], { kind: 'file', path: 'weights.safetensors', offset: 64, length: 64 })
    g.output('y', F.matmul(x, w))
    const d = describeModel(emitModel(g))
    expect(d).toMatchObject({ opset: ONNX_OPSET, nodes: 1, externalInitializers: 1, externalBytes: 64, externalFiles: ['weights.safetensors'], inputs: ['x'], outputs: ['y'] })
  })
})

describe('emitModel with quantized weights', () => {
  it('imports com.microsoft and has every quantized op read the weight\'s one initializer (no second mapping of its bytes)', async () => {
    const { quantizedFixture } = await import('../../helpers/quantized-fixture')
    const w = quantizedFixture(4, 8, 32)
    const g = new Graph()
    const q = g.weight('w.q4', 'uint8', w.qShape, { kind: 'inline', data: w.q })
    const scales = g.input('s', 'float32', w.scalesShape)
    g.output('y', F.matmulNBits(g.input('x', 'float32', ['n', 32]), q, scales, w.attrs))
    g.output('rows', F.gatherNBits(q, g.input('ids', 'int64', ['n']), scales, w.attrs))
    g.output('w', F.dequantizeNBits(q, scales, w.attrs))
    const model = emitModel(g)
    expect(model.opsetImport).toEqual([{ domain: '', version: ONNX_OPSET }, { domain: 'com.microsoft', version: 1 }])
    expect(model.graph.initializer!.filter((t) => t.dataType === 2).map((t) => t.name)).toEqual(['w.q4'])
    const readers = model.graph.node.filter((n) => n.input.includes('w.q4')).map((n) => n.opType).sort()
    expect(readers).toEqual(['GatherBlockQuantized', 'GatherBlockQuantized', 'MatMulNBits'])
  })
})
