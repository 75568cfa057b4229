// Model search through the real @huggingface/hub client against the local Hub: only the
// architectures we train come back, with the sizes, license and flags the Hub reports; a model's
// detail lists exactly the files a download fetches; offline mode and an unreachable Hub fail
// clearly, and offline without a request.
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { isHubError } from '../../../main/hub/hub-error'
import type { HubConnection } from '../../../main/hub/hub-api'
import { downloadModel } from '../../../main/hub/model-download'
import { curatedHubModels, hubModelDetail, searchHubModels, tensorBytes, trainableModelType } from '../../../main/hub/search'
import { startHubServer, type HubServer } from '../../helpers/hub-server'
import { addSearchableModel, safetensorsHeaderBytes, SEARCH_PAGE_SIZE, searchRoutes } from '../../helpers/hub-server-search'
import type { TinyArch } from '../../helpers/tiny-models'

let hub: HubServer
let connection: HubConnection
const ours: TinyArch[] = ['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3', 'gemma3_text', 'gpt2', 't5']

beforeAll(async () => {
  hub = await startHubServer({ routes: searchRoutes })
  connection = { endpoint: hub.url, offline: false, token: null }
  for (const [i, arch] of ours.entries()) await addSearchableModel(hub, `org/tiny-${arch}`, arch, { downloads: 100 * (i + 1), license: 'apache-2.0', dtype: arch === 'qwen2' ? 'bfloat16' : 'float32' })
  await addSearchableModel(hub, 'org/tiny-bert', 'llama', { downloads: 10_000, configFields: { model_type: 'bert', architectures: ['BertModel'] } })
  await addSearchableModel(hub, 'gatedorg/tiny-gated', 'llama', { downloads: 50, gated: 'manual', license: 'llama3.2' })
  await addSearchableModel(hub, 'org/tiny-pickled', 'gpt2', { downloads: 5, withoutSafetensors: true })
})
afterAll(() => hub?.close())

describe('searchHubModels', () => {
  test('returns only the architectures we train, most downloaded first, the bert model left out, over the Hub\'s pages', async () => {
    const before = hub.requests.length
    const found = await searchHubModels(connection, { query: 'tiny' })
    // Ours, the bert, the gated and the pickled one match, over pages of SEARCH_PAGE_SIZE: every next page (Link: rel="next") was read
    expect(hub.requests.slice(before).filter((r) => r.url.startsWith('/api/models?')).length).toBe(Math.ceil((ours.length + 3) / SEARCH_PAGE_SIZE))
    expect(found.map((m) => m.repo)).toEqual(['org/tiny-t5', 'org/tiny-gpt2', 'org/tiny-gemma3_text', 'org/tiny-smollm3', 'org/tiny-qwen3', 'org/tiny-qwen2', 'org/tiny-mistral', 'org/tiny-llama', 'gatedorg/tiny-gated', 'org/tiny-pickled'])
    expect(found.find((m) => m.repo === 'org/tiny-qwen2')).toMatchObject({ modelType: 'qwen2', architecture: 'Qwen2ForCausalLM', license: 'apache-2.0', downloads: 300, gated: false, acceptUrl: null, hasSafetensors: true })
  })

  test('reports parameters and the weights\' bytes as the safetensors files hold them (bf16 and f32)', async () => {
    const found = await searchHubModels(connection, { query: 'tiny' })
    for (const arch of ['qwen2', 'llama'] as const) {
      const model = found.find((m) => m.repo === `org/tiny-${arch}`)!
      const weights = join(hub.repo('model', `org/tiny-${arch}`)!.files.find((f) => f.path === 'model.safetensors')!.diskPath)
      const tensorData = statSync(weights).size - safetensorsHeaderBytes(weights)
      expect(model.sizeBytes).toBe(tensorData)
      expect(model.parameterCount).toBe(tensorData / (arch === 'qwen2' ? 2 : 4))
    }
  })

  test('flags a gated model with where to accept it, and one without safetensors', async () => {
    const found = await searchHubModels(connection, { query: 'tiny' })
    expect(found.find((m) => m.repo === 'gatedorg/tiny-gated')).toMatchObject({ gated: true, gatedMode: 'manual', acceptUrl: `${hub.url}/gatedorg/tiny-gated`, license: 'llama3.2' })
    expect(found.find((m) => m.repo === 'org/tiny-pickled')).toMatchObject({ hasSafetensors: false, parameterCount: null, sizeBytes: null, modelType: 'gpt2' })
  })

  test('asks the Hub for the query, the fields it needs and one architecture as a tag; honours the limit', async () => {
    const before = hub.requests.length
    const found = await searchHubModels(connection, { query: 'tiny', modelType: 'qwen3', limit: 5 })
    expect(found.map((m) => m.repo)).toEqual(['org/tiny-qwen3'])
    const asked = new URL(hub.requests[before].url, hub.url).searchParams
    expect(asked.get('search')).toBe('tiny')
    expect(asked.getAll('filter')).toEqual(['qwen3'])
    expect(asked.getAll('expand')).toEqual(expect.arrayContaining(['config', 'safetensors', 'tags']))
    expect(await searchHubModels(connection, { query: 'tiny', limit: 2 })).toHaveLength(2)
  })

  test('decides the architecture from model_type, else from the HF class', () => {
    expect(trainableModelType({ model_type: 'mistral' })).toBe('mistral')
    expect(trainableModelType({ architectures: ['GPT2LMHeadModel'] })).toBe('gpt2')
    expect(trainableModelType({ model_type: 'qwen2_vl', architectures: ['Qwen2ForCausalLM'] })).toBeNull()
    expect(trainableModelType({ model_type: 'bert' })).toBeNull()
    expect(trainableModelType(undefined)).toBeNull()
    expect(tensorBytes({ BF16: 10, F32: 1 })).toBe(24)
    expect(tensorBytes({ Q4_K: 10 })).toBeNull()
  })
})

describe('hubModelDetail', () => {
  test('lists the files a download fetches with their exact sizes, at the commit', async () => {
    const detail = await hubModelDetail(connection, 'org/tiny-llama')
    const repo = hub.repo('model', 'org/tiny-llama')!
    expect(detail.revision).toBe(repo.commit)
    expect(detail.files.map((f) => f.path).sort()).toEqual(repo.files.map((f) => f.path).filter((p) => p !== 'README.md').sort())
    for (const file of detail.files) expect(file.size).toBe(repo.files.find((f) => f.path === file.path)!.size)
    expect(detail.totalBytes).toBe(detail.files.reduce((total, f) => total + f.size, 0))
    expect(detail.sizeBytes).toBe(repo.files.find((f) => f.path === 'model.safetensors')!.size)
    expect(detail.problem).toBeNull()
    expect(detail.cachedPath).toBeNull()
  })

  test('gives the snapshot folder once every file it would fetch is in the cache, and only then', async () => {
    const cacheDir = join(hub.scratch, 'detail-cache')
    expect((await hubModelDetail({ ...connection, cacheDir }, 'org/tiny-mistral')).cachedPath).toBeNull()
    const downloaded = await downloadModel({ ...connection, cacheDir, repo: 'org/tiny-mistral' })
    const detail = await hubModelDetail({ ...connection, cacheDir }, 'org/tiny-mistral')
    expect(detail.cachedPath).toBe(downloaded.folder)
    rmSync(join(downloaded.folder, 'tokenizer.json'))
    expect((await hubModelDetail({ ...connection, cacheDir }, 'org/tiny-mistral')).cachedPath).toBeNull()
  })

  test('says why a model without safetensors, or of another architecture, cannot be downloaded', async () => {
    const pickled = await hubModelDetail(connection, 'org/tiny-pickled')
    expect(pickled.problem).toMatch(/no safetensors weights.*pytorch_model\.bin/)
    expect(pickled.files.some((f) => f.path.endsWith('.bin'))).toBe(false)
    const bert = await hubModelDetail(connection, 'org/tiny-bert')
    expect(bert.problem).toMatch(/model_type "bert".*llama, mistral, qwen2, qwen3, smollm3, gemma3_text, gpt2, t5/)
  })

  test('a repo the Hub does not have is not-found, naming it', async () => {
    const error = await hubModelDetail(connection, 'org/nothing').catch((e: unknown) => e)
    expect(isHubError(error, 'not-found')).toBe(true)
    expect((error as Error).message).toContain('org/nothing')
  })
})

describe('curatedHubModels', () => {
  test('gives the Hub\'s figures for the curated repos it has, each with why, and leaves out the others', async () => {
    await addSearchableModel(hub, 'HuggingFaceTB/SmolLM2-135M-Instruct', 'llama', { license: 'apache-2.0', downloads: 7 })
    const curated = await curatedHubModels(connection)
    expect(curated.map((m) => m.repo)).toEqual(['HuggingFaceTB/SmolLM2-135M-Instruct'])
    expect(curated[0]).toMatchObject({ modelType: 'llama', license: 'apache-2.0', downloads: 7, hasSafetensors: true })
    expect(curated[0].why.length).toBeGreaterThan(10)
  })
})

describe('when the Hub cannot be reached', () => {
  test('offline mode fails with a clear offline error, and makes no request', async () => {
    const before = hub.requests.length
    const error = await searchHubModels({ ...connection, offline: true }, { query: 'tiny' }).catch((e: unknown) => e)
    expect(isHubError(error, 'offline')).toBe(true)
    expect((error as Error).message).toMatch(/HF_HUB_OFFLINE/)
    await expect(hubModelDetail({ ...connection, offline: true }, 'org/tiny-llama')).rejects.toMatchObject({ kind: 'offline' })
    await expect(curatedHubModels({ ...connection, offline: true })).rejects.toMatchObject({ kind: 'offline' })
    expect(hub.requests.length).toBe(before)
  })

  test('a Hub that never answers is a network error within the timeout, not a hang', async () => {
    hub.hang = true
    try {
      const started = Date.now()
      const error = await searchHubModels({ ...connection, timeoutMs: 300 }, { query: 'tiny' }).catch((e: unknown) => e)
      expect(isHubError(error, 'network')).toBe(true)
      expect((error as Error).message).toMatch(/no answer in/)
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      hub.hang = false
    }
  })

  test('nothing listening is a network error naming the endpoint', async () => {
    const error = await searchHubModels({ endpoint: 'http://127.0.0.1:9', offline: false, token: null }, { query: 'x' }).catch((e: unknown) => e)
    expect(isHubError(error, 'network')).toBe(true)
    expect((error as Error).message).toContain('http://127.0.0.1:9')
  })
})
