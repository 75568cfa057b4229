import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DatasetDetail, DatasetPreview } from '../../../main/contract'
import { loadTokenizerBundle, TokenCacheReader } from '../../../main/data'
import { createServices, dispatchCall, ensureTokenizedCache, type Services } from '../../../main/services'
import { makeTempDir } from '../../helpers/temp-dir'
import { LLAMA2_STYLE_TEMPLATE, writeTinyModel } from './model-folder'

let temp: { dir: string; remove: () => void }
let services: Services
let dataPath: string
let modelDir: string

const rows = [
  { instruction: 'Name a prime', input: '', output: 'Seven.' },
  { instruction: 'Add', input: '2+2', output: 'Four.' },
  { instruction: 'Capital of France?', input: '', output: 'Paris.' },
  { instruction: 'Broken', input: '', output: '' },
]

beforeEach(() => {
  temp = makeTempDir('ms-data-catalog-')
  services = createServices({ dataDir: join(temp.dir, 'home') })
  dataPath = join(temp.dir, 'train.jsonl')
  writeFileSync(dataPath, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
  modelDir = writeTinyModel(join(temp.dir, 'model'))
})
afterEach(async () => {
  await services.close()
  temp.remove()
})

async function call<T>(name: Parameters<typeof dispatchCall>[1], input: unknown): Promise<T> {
  const result = await dispatchCall(services, name, input)
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`)
  return result.data as T
}

describe('the dataset catalog', () => {
  it('stop (the default) stores nothing and names the bad row', async () => {
    const result = await dispatchCall(services, 'datasetsImport', { path: dataPath })
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'invalid_input',
        message: `${dataPath}:4: empty completion: "output" (column "output") is empty (import stopped at the first bad row; fix it, or import with --on-error skip to skip bad rows and list them in the report)`,
      },
    })
    expect(await call('datasetsList', {})).toEqual([])
  })

  it('skip records path, hash, format, mapping, counts, stats, problems and the tokenized cache', async () => {
    const detail = await call<DatasetDetail>('datasetsImport', {
      path: dataPath,
      onError: 'skip',
      model: modelDir,
      maxLength: 128,
      validation: { kind: 'count', count: 1 },
    })
    expect(detail).toMatchObject({
      path: dataPath,
      fileType: 'jsonl',
      encoding: 'utf-8',
      format: 'alpaca',
      mapping: { instruction: 'instruction', input: 'input', output: 'output' },
      numExamples: 3,
      numSkipped: 1,
    })
    expect(detail.contentHash).toMatch(/^[0-9a-f]{64}$/)
    expect(detail.report.counts).toEqual({ rows: 4, examples: 3, skipped: 1, blankLines: 0, train: 2, validation: 1 })
    expect(detail.report.problems).toEqual([{ file: dataPath, line: 4, field: 'output', reason: 'empty completion: "output" (column "output") is empty' }])
    expect(readFileSync(detail.report.problemsFile as string, 'utf8').trim().split('\n')).toHaveLength(1)
    expect(detail.report.stats.tokens?.count).toBe(3)
    expect(detail.caches).toHaveLength(1)

    const reader = await TokenCacheReader.open(detail.caches[0].path)
    try {
      expect(reader.count).toBe(3)
      const first = await reader.read(0)
      expect(first.line).toBe(1)
      const bundle = loadTokenizerBundle(modelDir)
      const trained = [...first.inputIds].filter((_, i) => first.trained[i] === 1)
      expect(bundle.tokenizer.decode(trained)).toBe('Seven.<|im_end|>\n')
      expect((await reader.read(2)).line).toBe(3)
    } finally {
      await reader.close()
    }

    expect(await call('datasetsShow', { id: detail.id })).toEqual(detail)
    expect(await call<{ id: string }[]>('datasetsList', {})).toMatchObject([{ id: detail.id, numExamples: 3, numSkipped: 1 }])
  })

  it('a separate validation file is imported and linked', async () => {
    const valPath = join(temp.dir, 'val.jsonl')
    writeFileSync(valPath, JSON.stringify(rows[0]) + '\n')
    const detail = await call<DatasetDetail>('datasetsImport', { path: dataPath, onError: 'skip', validation: { kind: 'file', path: valPath } })
    const validation = await call<DatasetDetail>('datasetsShow', { id: detail.validationDatasetId })
    expect(validation).toMatchObject({ path: valPath, numExamples: 1 })
  })

  it('preview shows raw rows, rendered rows and masked/trained tokens, by path or by id', async () => {
    const preview = await call<DatasetPreview>('datasetsPreview', { path: dataPath, model: modelDir, limit: 10 })
    expect(preview.format).toBe('alpaca')
    expect(preview.rows).toHaveLength(4)
    const [first] = preview.rows
    expect(first.raw).toEqual(rows[0])
    expect(first.rendered?.text).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nName a prime<|im_end|>\n<|im_start|>assistant\nSeven.<|im_end|>\n',
    )
    const trainedText = first.tokens!.filter((t) => t.trained).map((t) => t.text).join('')
    expect(trainedText).toBe('Seven.<|im_end|>\n')
    expect(preview.rows[3].problem).toBe('empty completion: "output" (column "output") is empty')
    expect(preview.tokenLengths?.count).toBe(3)

    const remapped = await call<DatasetPreview>('datasetsPreview', { path: dataPath, format: 'prompt-completion', mapping: { prompt: 'input' } })
    expect(remapped.mappingProblem).toBeNull()
    expect(remapped.rows[1].rendered?.text).toContain('<|im_start|>user\n2+2<|im_end|>')

    const detail = await call<DatasetDetail>('datasetsImport', { path: dataPath, onError: 'skip' })
    const byId = await call<DatasetPreview>('datasetsPreview', { datasetId: detail.id, limit: 2 })
    expect(byId.rows.map((r) => r.line)).toEqual([1, 2])
  })
})

describe('the tokenized cache', () => {
  it('is reused for the same (dataset, tokenizer, template, max_length, masking) and rebuilt when any changes', async () => {
    const detail = await call<DatasetDetail>('datasetsImport', { path: dataPath, onError: 'skip', model: modelDir, maxLength: 128 })
    const store = services.store
    const dataDir = services.dataDir
    const base = { datasetId: detail.id, modelDir, template: 'auto' as const, maxLength: 128, trainOnPrompt: false }

    const same = await ensureTokenizedCache(store, dataDir, base)
    expect(same.reused).toBe(true)
    expect(same.cache.key).toBe(detail.caches[0].key)

    const keys = new Set([same.cache.key])
    for (const change of [{ maxLength: 64 }, { trainOnPrompt: true }, { template: 'chatml' as const }]) {
      const built = await ensureTokenizedCache(store, dataDir, { ...base, ...change })
      expect(built.reused).toBe(false)
      keys.add(built.cache.key)
      expect((await ensureTokenizedCache(store, dataDir, { ...base, ...change })).reused).toBe(true)
    }
    // A different tokenizer (another model folder) is another key.
    const otherModel = writeTinyModel(join(temp.dir, 'llama'), { chatTemplate: LLAMA2_STYLE_TEMPLATE })
    const other = await ensureTokenizedCache(store, dataDir, { ...base, modelDir: otherModel })
    expect(other.reused).toBe(false)
    keys.add(other.cache.key)
    expect(keys.size).toBe(5)
    expect(store.datasets.listCaches(detail.id)).toHaveLength(5)
    // Atomic writes: no temporary files left behind.
    expect(readdirSync(join(dataDir, 'datasets', 'cache')).filter((f) => !f.endsWith('.tokens'))).toEqual([])
  })

  it('a deleted cache file is rebuilt; a touched but identical file is still trusted; a changed file is refused', async () => {
    const detail = await call<DatasetDetail>('datasetsImport', { path: dataPath, onError: 'skip', model: modelDir })
    const base = { datasetId: detail.id, modelDir, template: 'auto' as const, maxLength: null, trainOnPrompt: false }
    rmSync(detail.caches[0].path)
    const rebuilt = await ensureTokenizedCache(services.store, services.dataDir, base)
    expect(rebuilt.reused).toBe(false)
    expect(existsSync(rebuilt.cache.path)).toBe(true)

    utimesSync(dataPath, new Date(), new Date(Date.now() + 5000))
    expect((await ensureTokenizedCache(services.store, services.dataDir, base)).reused).toBe(true)

    writeFileSync(dataPath, JSON.stringify(rows[0]) + '\n')
    await expect(ensureTokenizedCache(services.store, services.dataDir, base)).rejects.toThrow(
      `${dataPath}: the dataset file has changed since it was imported; import it again so its rows are checked and counted anew`,
    )
  })
})
