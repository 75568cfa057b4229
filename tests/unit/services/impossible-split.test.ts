// A split that holds out every example is refused before anything is created: the import
// registers no dataset, and runsStart creates no run (its data.split named, with the numbers).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ApiCallError, RunConfig } from '../../../main/contract'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'

const temp = useTempServices('ms-impossible-split-')

function dataFile(rows: number): string {
  const path = join(temp.dir, `train-${rows}.jsonl`)
  writeFileSync(path, Array.from({ length: rows }, (_, i) => JSON.stringify({ prompt: `say ${i}`, completion: `${i}` })).join('\n') + '\n')
  return path
}

const importInput = (path: string, validation: { kind: 'count'; count: number; seed: number } | { kind: 'fraction'; fraction: number; seed: number } | { kind: 'none' }) =>
  ({ path, template: 'auto' as const, trainOnPrompt: false, onError: 'stop' as const, validation })

describe('datasetsImport of a split that leaves nothing to train on', () => {
  it('refuses 500 held out of 150 examples, naming both numbers, and registers nothing', async () => {
    const call = temp.services.datasetsImport(importInput(dataFile(150), { kind: 'count', count: 500, seed: 42 }))
    await expect(call).rejects.toBeInstanceOf(ApiCallError)
    await expect(call).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('Holding out 500 of the 150 examples leaves none to train on: hold out at most 149.') })
    expect(await temp.services.datasetsList({})).toEqual([])
  })

  it('refuses a share that rounds to every example, and still imports one that leaves some', async () => {
    const path = dataFile(10)
    await expect(temp.services.datasetsImport(importInput(path, { kind: 'fraction', fraction: 0.96, seed: 42 }))).rejects.toMatchObject({ message: expect.stringContaining('leaves none to train on') })
    const kept = await temp.services.datasetsImport(importInput(path, { kind: 'count', count: 9, seed: 42 }))
    expect(kept.numTrain).toBe(1)
  })
})

describe('runsStart with a data.split that leaves nothing to train on', () => {
  it('refuses before a run is created, with the issue on data.split', async () => {
    const modelDir = writeTinyModel(join(temp.dir, 'model'), 'qwen2').dir
    const path = dataFile(12)
    await temp.services.datasetsImport(importInput(path, { kind: 'none' }))
    const config = RunConfig.parse({ model: modelDir, data: { train: path, split: 12, max_length: 32 }, adapter: { method: 'ia3' }, train: { max_steps: 1 }, device: 'cpu' })
    const call = temp.services.runsStart({ config })
    await expect(call).rejects.toMatchObject({
      code: 'invalid_input',
      message: `${path}: Holding out 12 of the 12 examples leaves none to train on: hold out at most 11.`,
      issues: [{ path: 'data.split', message: 'Holding out 12 of the 12 examples leaves none to train on: hold out at most 11.' }],
    })
    expect(await temp.services.runsList({ limit: 200 })).toEqual([])
  })

  it('counts a file that was never imported by its lines, and refuses the same way', async () => {
    const modelDir = writeTinyModel(join(temp.dir, 'model'), 'qwen2').dir
    const path = dataFile(6)
    const config = RunConfig.parse({ model: modelDir, data: { train: path, split: 0.95, max_length: 32 }, adapter: { method: 'ia3' }, train: { max_steps: 1 }, device: 'cpu' })
    await expect(temp.services.runsStart({ config })).rejects.toMatchObject({
      issues: [{ path: 'data.split', message: 'Holding out 95 % of the 6 examples leaves none to train on: hold out at most 5.' }],
    })
    expect(await temp.services.runsList({ limit: 200 })).toEqual([])
  })
})
