import { copyFileSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CallName, DatasetDetail, ImportedAlready } from '../../../main/contract'
import { dispatchCall } from '../../../main/services'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'

const temp = useTempServices('ms-dataset-rename-delete-')

async function call<T>(name: CallName, input: unknown): Promise<T> {
  const result = await dispatchCall(temp.services, name, input)
  if (!result.ok) throw new Error(result.error.message)
  return result.data as T
}

function writeRows(name: string, count: number, extra = ''): string {
  const path = join(temp.dir, name)
  const rows = Array.from({ length: count }, (_, i) => JSON.stringify({ prompt: `question ${i}${extra}`, completion: `answer ${i}` }))
  writeFileSync(path, `${rows.join('\n')}\n`)
  return path
}

describe('renaming a dataset', () => {
  it('changes the name the catalog lists, and refuses a blank one', async () => {
    const imported = await call<DatasetDetail>('datasetsImport', { path: writeRows('rename.jsonl', 3) })
    const renamed = await call<DatasetDetail>('datasetsRename', { id: imported.id, name: 'Support answers' })
    expect(renamed.name).toBe('Support answers')
    expect((await call<DatasetDetail>('datasetsShow', { id: imported.id })).name).toBe('Support answers')
    const blank = await dispatchCall(temp.services, 'datasetsRename', { id: imported.id, name: '   ' })
    expect(blank).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
  })
})

describe('deleting a dataset', () => {
  it('forgets it and removes its tokenized cache and problems file, never the source file', async () => {
    const model = writeTinyModel(join(temp.dir, 'model'), 'llama')
    const source = join(temp.dir, 'with-bad-row.jsonl')
    writeFileSync(source, `${JSON.stringify({ prompt: 'Hi', completion: 'Hello.' })}\nnot json\n`)
    const imported = await call<DatasetDetail>('datasetsImport', { path: source, model: model.dir, onError: 'skip' })
    const cacheFile = imported.caches[0]?.path
    const problemsFile = imported.report.problemsFile
    expect(cacheFile && existsSync(cacheFile)).toBe(true)
    expect(problemsFile && existsSync(problemsFile)).toBe(true)

    await call('datasetsDelete', { id: imported.id })

    expect(existsSync(cacheFile as string)).toBe(false)
    expect(existsSync(problemsFile as string)).toBe(false)
    expect(existsSync(source)).toBe(true)
    expect(temp.services.store.datasets.get(imported.id)).toBeUndefined()
    expect(await dispatchCall(temp.services, 'datasetsShow', { id: imported.id })).toMatchObject({ ok: false, error: { code: 'not_found' } })
  })

  it('takes its separate validation file with it', async () => {
    const imported = await call<DatasetDetail>('datasetsImport', {
      path: writeRows('train-v.jsonl', 4),
      validation: { kind: 'file', path: writeRows('val-v.jsonl', 2) },
    })
    await call('datasetsDelete', { id: imported.id })
    expect(temp.services.store.datasets.get(imported.validationDatasetId as string)).toBeUndefined()
  })

  it('is allowed while runs used it: they keep their record, without the dataset', async () => {
    const imported = await call<DatasetDetail>('datasetsImport', { path: writeRows('used.jsonl', 3) })
    const run = temp.services.store.runs.create({ name: 'used-it', config: {}, datasetId: imported.id })
    expect((await call<DatasetDetail>('datasetsShow', { id: imported.id })).numRuns).toBe(1)
    await call('datasetsDelete', { id: imported.id })
    expect(temp.services.store.runs.get(run.id)).toMatchObject({ id: run.id, datasetId: null })
  })
})

describe('finding a file imported already', () => {
  it('matches the same path, and the same content under another name', async () => {
    const path = writeRows('twice.jsonl', 5, ' twice')
    const imported = await call<DatasetDetail>('datasetsImport', { path, name: 'First import' })
    const copy = join(temp.dir, 'copy-of-twice.jsonl')
    copyFileSync(path, copy)

    expect(await call<ImportedAlready[]>('datasetsFindImported', { path })).toEqual([
      { id: imported.id, name: 'First import', createdAt: imported.createdAt, samePath: true, sameContent: true },
    ])
    expect(await call<ImportedAlready[]>('datasetsFindImported', { path: copy })).toMatchObject([{ id: imported.id, samePath: false, sameContent: true }])
    expect(await call<ImportedAlready[]>('datasetsFindImported', { path: writeRows('other.jsonl', 5, ' other') })).toEqual([])
  })
})
