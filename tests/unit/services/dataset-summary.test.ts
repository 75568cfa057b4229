import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DatasetDetail, DatasetSummary } from '../../../main/contract'
import { createServices, dispatchCall, type Services } from '../../../main/services'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
let services: Services

function writeRows(name: string, count: number): string {
  const path = join(temp.dir, name)
  const rows = Array.from({ length: count }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: `answer ${i}` }))
  writeFileSync(path, `${rows.join('\n')}\n`)
  return path
}

async function call<T>(name: 'datasetsImport' | 'datasetsList', input: unknown): Promise<T> {
  const result = await dispatchCall(services, name, input)
  if (!result.ok) throw new Error(result.error.message)
  return result.data as T
}

beforeEach(() => {
  temp = makeTempDir('ms-dataset-summary-')
  services = createServices({ dataDir: join(temp.dir, 'home') })
})
afterEach(async () => {
  await services.close()
  temp.remove()
})

describe('dataset summaries', () => {
  it('count train and held-out examples of a split', async () => {
    const detail = await call<DatasetDetail>('datasetsImport', { path: writeRows('a.jsonl', 10), validation: { kind: 'count', count: 3 } })
    expect(detail).toMatchObject({ numExamples: 10, numTrain: 7, numValidation: 3, validationDatasetId: null })
  })

  it('count a separate validation file as held out, and name it', async () => {
    const detail = await call<DatasetDetail>('datasetsImport', {
      path: writeRows('train.jsonl', 6),
      validation: { kind: 'file', path: writeRows('val.jsonl', 2) },
    })
    expect(detail).toMatchObject({ numTrain: 6, numValidation: 2 })
    const list = await call<DatasetSummary[]>('datasetsList', {})
    const validation = list.find((entry) => entry.name === 'val.jsonl')
    expect(list.find((entry) => entry.name === 'train.jsonl')?.validationDatasetId).toBe(validation?.id)
    expect(validation).toMatchObject({ numTrain: 2, numValidation: 0, validationDatasetId: null })
  })
})
