// runsStart links a run to the registered model and dataset its configuration names by path,
// so the Runs page can show their names; unregistered paths leave the links empty.
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'

const temp = useTempServices('ms-catalog-ids-')

describe('runsStart', () => {
  it('records the model and dataset ids of registered paths, and none for others', async () => {
    const modelDir = writeTinyModel(join(temp.dir, 'model'), 'qwen2').dir
    const data = join(temp.dir, 'train.jsonl')
    writeFileSync(data, Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `say ${i}`, completion: `${i}` })).join('\n') + '\n')
    const model = await temp.services.modelsImport({ path: modelDir })
    const dataset = await temp.services.datasetsImport({ path: data, template: 'auto', trainOnPrompt: false, onError: 'stop', validation: { kind: 'none' } })
    const config = { model: modelDir, data: { train: data, validation: null, split: null, format: 'auto' as const, mapping: {}, max_length: 32, train_on_prompt: false, shuffle: true, packing: false }, adapter: { method: 'ia3' as const, sites: null, init: null }, device: 'cpu' as const }
    const { model: parsedModel, train, eval: evaluation } = RunConfig.parse(config)
    const started = await temp.services.runsStart({ config: { ...config, model: parsedModel, eval: evaluation, train: { ...train, max_steps: 1 } } })
    expect(started.run).toMatchObject({ modelId: model.id, datasetId: dataset.id })
    // A copy never imported: the same rows, at a path the catalog does not know.
    const elsewhere = join(temp.dir, 'elsewhere.jsonl')
    copyFileSync(data, elsewhere)
    const other = await temp.services.runsStart({ config: { ...config, model: parsedModel, eval: evaluation, data: { ...config.data, train: elsewhere }, train } })
    expect(other.run).toMatchObject({ modelId: model.id, datasetId: null })
    await temp.services.runsCancel({ runId: other.run.id })
    await temp.services.runsCancel({ runId: started.run.id })
  })
})
