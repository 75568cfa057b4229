// Reading where nodes ran from an onnxruntime profile, and telling shape arithmetic (which ORT
// keeps on the CPU for a dynamic-shape GPU graph) from model work (which must not go there).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { F, Graph } from '../../../main/engine/ir'
import { createGraphSession, hostTensor, warmupFeeds } from '../../../main/runtime'
import { cpuWork, describeCpuWork, profileFileFor, readProfilePlacement, type PlacedNode } from '../../../main/runtime/placement'
import { makeTempDir } from '../../helpers/temp-dir'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir('ms-placement-')))
afterAll(() => tmp.remove())

const node = (op: string, provider: string, inputTypes: string[], outputTypes: string[]): PlacedNode => ({ name: `${op}_1`, op, provider, inputTypes, outputTypes })
const CPU = 'CPUExecutionProvider'

describe('shape arithmetic or model work', () => {
  it('lets integer and boolean results and a Cast of the mask stay on the CPU, and names everything else', () => {
    const nodes = [
      node('Shape', CPU, ['float'], ['int64']),
      node('Concat', CPU, ['int64', 'int64'], ['int64']),
      node('Range', CPU, ['int64', 'int64', 'int64'], ['int64']),
      node('Less', CPU, ['int64', 'int64'], ['bool']),
      node('Cast', CPU, ['int64'], ['float']),
      node('MatMul', 'WebGpuExecutionProvider', ['float16', 'float16'], ['float16']),
      node('Gather', CPU, ['bfloat16', 'int64'], ['bfloat16']),
      node('Cast', CPU, ['bfloat16'], ['float']),
      node('Cast', CPU, ['bfloat16'], ['float']),
    ]
    expect(cpuWork(nodes).map((n) => n.op)).toEqual(['Gather', 'Cast', 'Cast'])
    expect(describeCpuWork(cpuWork(nodes))).toBe('Gather (bfloat16 → bfloat16), Cast (bfloat16 → float) ×2')
  })

  it('reads each node once from a real profile, with its provider and types', async () => {
    const g = new Graph()
    const x = g.input('x', 'float32', ['n', 4])
    g.output('y', F.matmul(x, g.constant(new Array<number>(8).fill(0.5), 'float32', [4, 2])))
    g.output('negative', F.less(x, 0))
    const prefix = join(tmp.dir, 'cpu-run')
    const session = await createGraphSession(g, { device: 'cpu', profileFilePrefix: prefix, threads: 1 })
    try {
      await session.run(warmupFeeds(g))
      await session.run({ x: hostTensor('float32', [3, 4], new Float32Array(12)) })
      session.endProfiling()
    } finally {
      await session.dispose()
    }
    const placed = readProfilePlacement(profileFileFor(prefix))
    expect(placed.map((n) => n.op).sort()).toEqual(['Less', 'MatMul'])
    expect(placed.find((n) => n.op === 'MatMul')).toMatchObject({ provider: CPU, inputTypes: expect.arrayContaining(['float']), outputTypes: ['float'] })
    expect(cpuWork(placed).map((n) => n.op)).toEqual(['MatMul'])
  })

  it('names a missing profile', () => {
    writeFileSync(join(tmp.dir, 'other_1.json'), '[]')
    expect(() => profileFileFor(join(tmp.dir, 'absent'))).toThrow(/wrote no profile for .*absent/)
  })
})

describe('warm-up feeds', () => {
  it('are zeros of each input\'s dtype, every symbolic dim 1', () => {
    const g = new Graph()
    g.output('a', F.add(g.input('ids', 'int64', ['batch', 'step']), 1))
    g.output('b', F.identity(g.input('past', 'float32', ['batch', 2, 'cache', 3])))
    g.output('c', F.not(g.input('flag', 'bool', [2])))
    const feeds = warmupFeeds(g)
    expect(Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, [t.dtype, t.shape, [...t.data].every((v) => Number(v) === 0)]]))).toEqual({
      ids: ['int64', [1, 1], true],
      past: ['float32', [1, 2, 1, 3], true],
      flag: ['bool', [2], true],
    })
  })
})
