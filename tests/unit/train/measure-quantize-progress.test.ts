// Timing a run whose base is quantized (model.quantize) for the first time makes the quantized copy
// first, which takes minutes on a large model: the measurement says so, tensor by tensor, with how
// far it is, before it times any step; the second time the copy exists and nothing is said of it.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { measureStepTiming } from '../../../main/train/measure-step'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>
let config: RunConfig

beforeAll(() => {
  tmp = makeTempDir('ms-measure-quantize-')
  const model = writeTinyModel(join(tmp.dir, 'model'), 'llama').dir
  const train = writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 16)
  config = RunConfig.parse({ model: { path: model, quantize: 'int4' }, data: { train, max_length: 256 }, adapter: { method: 'ia3' }, train: { max_steps: 3, batch_size: 4 }, device: 'cpu' })
})
afterAll(() => tmp.remove())

describe('measuring a run with a quantized base', () => {
  it('reports the quantized copy tensor by tensor the first time, then only the steps', async () => {
    const phases: { label: string; done?: number; total?: number }[] = []
    const dataDir = join(tmp.dir, 'home')
    await measureStepTiming(config, { dataDir, threads: 1, onPhase: (label, done, total) => phases.push({ label, done, total }) })
    const copying = phases.filter((p) => p.label.startsWith('Making the int4 copy'))
    expect(copying.length).toBeGreaterThan(1)
    const total = copying[0].total!
    expect(copying.map((p) => p.done)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    expect(copying.every((p) => p.total === total && p.label.endsWith(`tensor ${p.done} of ${total}`))).toBe(true)
    // The copy comes before any step is timed.
    expect(phases.findIndex((p) => p.label.startsWith('Timing step'))).toBeGreaterThan(phases.lastIndexOf(copying.at(-1)!))

    const again: string[] = []
    await measureStepTiming(config, { dataDir, threads: 1, onPhase: (label) => again.push(label) })
    expect(again.some((l) => l.startsWith('Making'))).toBe(false)
    expect(again.some((l) => l.startsWith('Timing step'))).toBe(true)
  }, 120_000)
})
