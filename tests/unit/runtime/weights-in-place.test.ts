// A train-step session must not hold frozen weights twice: after ORT has optimised the graph,
// every float32 weight is still the external tensor in its safetensors file (nothing folded into
// a transposed copy), and a half-precision weight has become exactly one float32 initializer.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gradients } from '../../../main/engine/autodiff'
import { F, Graph, type DType } from '../../../main/engine/ir'
import { linear } from '../../../main/engine/nn'
import { decodeModel, encodeValues, type TensorProtoObject } from '../../../main/engine/onnx'
import { createGraphSession, readSafetensorsHeader, weightSourceOf, writeSafetensors } from '../../../main/runtime'
import { rng, uniform } from '../../helpers/ort-vs-reference'
import { makeTempDir } from '../../helpers/temp-dir'

let tmp: ReturnType<typeof makeTempDir>
beforeEach(() => (tmp = makeTempDir()))
afterEach(() => tmp.remove())

const D = 64
const WEIGHT_BYTES = D * D * 4

/** Two frozen linear layers in `dtype`, a trainable vector between them, loss = Σ output. */
function trainStep(dtype: DType): Graph {
  const path = join(tmp.dir, 'model.safetensors')
  const random = rng(2)
  writeSafetensors(path, ['w0', 'w1'].map((name) => ({ name, dtype, shape: [D, D], data: encodeValues(dtype, uniform(random, D * D)) })))
  const file = readSafetensorsHeader(path)
  const g = new Graph()
  const x = g.input('x', 'float32', ['batch', 'seq', D])
  const v = g.input('v', 'float32', [D])
  const w = (name: string) => g.weight(name, dtype, [D, D], weightSourceOf(file, name))
  const loss = F.sum(linear(F.mul(linear(x, w('w0')), v), w('w1')), [0, 1, 2])
  g.output('loss', loss)
  g.output('grad_v', gradients(loss, [v])[0])
  return g
}

/** Initializers of the model as ORT optimised it, by name. */
async function optimizedInitializers(g: Graph): Promise<Map<string, TensorProtoObject>> {
  const optimized = join(tmp.dir, 'optimized.onnx')
  const session = await createGraphSession(g, { device: 'cpu', threads: 1, optimizedModelFilePath: optimized })
  await session.dispose()
  const model = decodeModel(readFileSync(optimized))
  return new Map((model.graph.initializer ?? []).map((t) => [t.name!, t]))
}

const inlineBytes = (t: TensorProtoObject) => t.rawData?.byteLength ?? 0

describe('frozen weights in a train-step session', () => {
  it('stay float32 external tensors read in place: ORT folds no transposed copy of them', async () => {
    const inits = await optimizedInitializers(trainStep('float32'))
    for (const name of ['w0', 'w1']) {
      expect(inits.get(name)?.dataLocation, name).toBe(1)
      expect(inlineBytes(inits.get(name)!)).toBe(0)
    }
    const copies = [...inits.values()].filter((t) => inlineBytes(t) >= WEIGHT_BYTES / 2)
    expect(copies.map((t) => t.name)).toEqual([])
  })

  it('hold a float16 weight once, as the float32 copy the CPU kernels need (no second, transposed copy)', async () => {
    const inits = await optimizedInitializers(trainStep('float16'))
    const copies = [...inits.values()].filter((t) => inlineBytes(t) >= WEIGHT_BYTES / 2)
    expect(copies.map((t) => inlineBytes(t))).toEqual([WEIGHT_BYTES, WEIGHT_BYTES])
    for (const name of ['w0', 'w1']) expect(inits.has(name), `${name} (float16) should be gone once folded`).toBe(false)
  })
})
