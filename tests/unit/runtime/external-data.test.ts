// Frozen weights as ONNX external data pointing straight into safetensors files: nothing copied.
import { mkdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { F, Graph, type DType } from '../../../main/engine/ir'
import { describeModel, emitModel, emitModelBytes, floatToBFloat16Bits, floatToHalfBits } from '../../../main/engine/onnx'
import { linear } from '../../../main/engine/nn'
import { createGraphSession, createSession, hostTensor, planExternalData, readSafetensorsHeader, weightSourceOf, writeSafetensors } from '../../../main/runtime'
import { compareWithReference, f32, rng, uniform } from '../../helpers/ort-vs-reference'
import { makeTempDir } from '../../helpers/temp-dir'

let tmp: ReturnType<typeof makeTempDir>
beforeEach(() => (tmp = makeTempDir()))
afterEach(() => tmp.remove())

const D = 128
const random = rng(11)
const values = { f32: uniform(random, D * D), f16: uniform(random, D * D), bf16: uniform(random, D * D) }

/** A model folder with one float32, one float16 and one bfloat16 weight [D, D]. */
function writeModelFolder(folder: string): string {
  mkdirSync(folder, { recursive: true })
  const path = join(folder, 'model.safetensors')
  writeSafetensors(path, [
    { name: 'w_f32', dtype: 'float32', shape: [D, D], data: values.f32 },
    { name: 'w_f16', dtype: 'float16', shape: [D, D], data: Uint16Array.from(values.f16, floatToHalfBits) },
    { name: 'w_bf16', dtype: 'bfloat16', shape: [D, D], data: Uint16Array.from(values.bf16, floatToBFloat16Bits) },
  ])
  return path
}

function threeLinears(path: string): Graph {
  const file = readSafetensorsHeader(path)
  const g = new Graph()
  const x = g.input('x', 'float32', ['batch', D])
  const weight = (name: string, dtype: DType) => g.weight(name, dtype, [D, D], weightSourceOf(file, name))
  const h = linear(x, weight('w_f32', 'float32'))
  const k = linear(h, weight('w_f16', 'float16')) // cast to float32 in the graph
  g.output('y', linear(k, weight('w_bf16', 'bfloat16'))) // bfloat16 never crosses into JS
  return g
}

describe('external data into safetensors', () => {
  it('runs float32, float16 and bfloat16 weights read in place, matching the reference', async () => {
    const path = writeModelFolder(join(tmp.dir, 'model'))
    const g = threeLinears(path)
    const [[y]] = await compareWithReference(g, [{ x: f32([3, D], uniform(random, 3 * D)) }])
    expect(y.shape).toEqual([3, D])
    expect(y.maxAbsError / y.scale).toBeLessThan(1e-5)
    const d = describeModel(emitModel(g))
    expect(d.externalInitializers).toBe(3)
    expect(d.externalBytes).toBe(D * D * (4 + 2 + 2))
  })

  it('keeps the weights out of the model: the protobuf is a few KB, written to disk or not', async () => {
    const folder = join(tmp.dir, 'model')
    const path = writeModelFolder(folder)
    const g = threeLinears(path)
    const session = await createGraphSession(g, { device: 'cpu' })
    expect(session.modelBytes).toBeLessThan(4096)
    const weightBytes = statSync(path).size
    expect(weightBytes).toBeGreaterThan(100_000)
    // The same model as a file beside the weights (how an ONNX export is loaded): still small.
    const onnxPath = join(folder, 'model.onnx')
    writeFileSync(onnxPath, emitModelBytes(g, { externalLocation: () => 'model.safetensors' }))
    expect(statSync(onnxPath).size).toBeLessThan(4096)
    const fromFile = await createSession(onnxPath, { device: 'cpu' })
    const x = hostTensor('float32', [2, D], uniform(random, 2 * D))
    const [a, b] = [await session.run({ x }), await fromFile.run({ x })]
    expect(b.y.data).toEqual(a.y.data)
    await Promise.all([session.dispose(), fromFile.dispose()])
  })

  it('follows symlinks into a Hugging Face cache layout (snapshots/ -> blobs/)', async () => {
    const blobs = join(tmp.dir, 'hub', 'blobs')
    const blob = writeModelFolder(blobs)
    const snapshot = join(tmp.dir, 'hub', 'snapshots', 'abc123')
    mkdirSync(snapshot, { recursive: true })
    symlinkSync(blob, join(snapshot, 'model.safetensors'))
    const g = threeLinears(join(snapshot, 'model.safetensors'))
    const plan = planExternalData(g)
    expect(plan.folder).toBe(realpathSync(blobs))
    expect([...plan.locations.values()]).toEqual(['model.safetensors'])
    const [[y]] = await compareWithReference(g, [{ x: f32([1, D], uniform(random, D)) }])
    expect(y.maxAbsError / y.scale).toBeLessThan(1e-5)
  })

  it('resolves weights spread over sub-folders against their common folder', () => {
    const g = new Graph()
    const a = writeModelFolder(join(tmp.dir, 'm', 'part1'))
    const b = writeModelFolder(join(tmp.dir, 'm', 'part2'))
    g.weight('a', 'float32', [D, D], weightSourceOf(readSafetensorsHeader(a), 'w_f32'))
    g.weight('b', 'float32', [D, D], weightSourceOf(readSafetensorsHeader(b), 'w_f32'))
    const plan = planExternalData(g)
    expect(plan.folder!.endsWith(join('m'))).toBe(true)
    expect([...plan.locations.values()].sort()).toEqual(['part1/model.safetensors', 'part2/model.safetensors'])
  })

  it('reports a missing weight file with its path', () => {
    const g = new Graph()
    const missing = join(tmp.dir, 'gone.safetensors')
    g.output('w', F.identity(g.weight('w', 'float32', [1], { kind: 'file', path: missing, offset: 0, length: 4 })))
    expect(() => planExternalData(g)).toThrow(new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be opened`))
  })
})
