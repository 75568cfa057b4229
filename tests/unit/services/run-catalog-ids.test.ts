// runsStart links a run to the registered model and dataset its configuration names by path,
// so the Runs page can show their names; unregistered paths leave the links empty.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { createServices, type Services } from '../../../main/services'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'

let tmp: ReturnType<typeof makeTempDir>
let services: Services
beforeAll(() => {
  tmp = makeTempDir('ms-catalog-ids-')
  services = createServices({ dataDir: join(tmp.dir, 'home') })
})
afterAll(async () => {
  await services.close()
  tmp.remove()
})

describe('runsStart', () => {
  it('records the model and dataset ids of registered paths, and none for others', async () => {
    const modelDir = writeTinyModel(join(tmp.dir, 'model'), 'qwen2').dir
    const data = join(tmp.dir, 'train.jsonl')
    writeFileSync(data, Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `say ${i}`, completion: `${i}` })).join('\n') + '\n')
    const model = await services.modelsImport({ path: modelDir })
    const dataset = await services.datasetsImport({ path: data, template: 'auto', trainOnPrompt: false, onError: 'stop', validation: { kind: 'none' } })
    const config = { model: modelDir, data: { train: data, validation: null, split: null, format: 'auto' as const, mapping: {}, max_length: 32, train_on_prompt: false, shuffle: true, packing: false }, adapter: { method: 'ia3' as const, sites: null, init: null }, device: 'cpu' as const }
    const { train } = RunConfig.parse(config)
    const started = await services.runsStart({ config: { ...config, train: { ...train, max_steps: 1 } } })
    expect(started.run).toMatchObject({ modelId: model.id, datasetId: dataset.id })
    const other = await services.runsStart({ config: { ...config, data: { ...config.data, train: join(tmp.dir, 'elsewhere.jsonl') }, train } })
    expect(other.run).toMatchObject({ modelId: model.id, datasetId: null })
    await services.runsCancel({ runId: other.run.id })
    await services.runsCancel({ runId: started.run.id })
  })
})
