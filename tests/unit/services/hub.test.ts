// The Hub calls through the real services, against the local test Hub (a real HTTP server): a
// model's files before its download, a download in a real `hub-download` job process that reports
// bytes, rate and ETA and registers the model, a gated repo refused with its accept link and then
// fetched with a token set in Settings (which reaches the job without being in its arguments or any
// event), a Stop that keeps the part file for the next download to resume, the models already in
// the cache, and the token's status that never holds the token.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HubDatasetFiles, HubDownloadResult, HubModelDetail, HubTokenStatus, JobEvent } from '../../../main/contract'
import { createServices, dispatchCall, type Services } from '../../../main/services'
import { startLocalHub, type AddRepoOptions, type HubRequest, type LocalHub } from '../../../main/bench/local-hub'
import { modelRoutes } from '../../../main/bench/local-hub-model-routes'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'

const TOKEN = 'hf_testTokenThatMustNeverBeShown0123'

/** While `stalled`, GET of STALLED_FILE sends its first half, then nothing more: a download the test stops midway. */
const stall = { on: false, sent: 0 }
const STALLED_REPO = 'org/slow-model'
const STALLED_FILE = 'model.safetensors'
function stallRoute(req: HubRequest, response: ServerResponse, hub: LocalHub): boolean {
  if (!stall.on || req.method !== 'GET' || !req.url.pathname.startsWith(`/${STALLED_REPO}/resolve/`) || !req.url.pathname.endsWith(`/${STALLED_FILE}`)) return false
  const file = hub.repo('model', STALLED_REPO)?.files.find((f) => f.path === STALLED_FILE)
  if (!file) return false
  const half = Math.floor(file.size / 2)
  response.writeHead(200, { 'Content-Length': file.size, ETag: `"${file.gitOid}"`, 'Content-Type': 'application/octet-stream' })
  void hub.sendFileBytes(response, hub.repo('model', STALLED_REPO)!, file, 0, half - 1).catch(() => {})
  stall.sent = half
  return true
}

let hub: LocalHub
let services: Services
let temp: ReturnType<typeof makeTempDir>
let cacheDir: string

let repos = 0
async function addTinyModel(id: string, options: Omit<AddRepoOptions, 'id' | 'dir'> = {}): Promise<void> {
  const dir = join(temp.dir, `repo-${repos++}`)
  const model = writeTinyModel(dir, 'llama')
  await hub.addRepo({ ...options, id, dir, info: { config: model.config } })
}

async function call<T>(name: Parameters<typeof dispatchCall>[1], input: unknown): Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }> {
  return (await dispatchCall(services, name, input)) as never
}

beforeAll(async () => {
  temp = makeTempDir('ms-hub-services-')
  cacheDir = join(temp.dir, 'hf-cache')
  // The stall route answers before the model routes do.
  hub = await startLocalHub([stallRoute, ...modelRoutes])
  await addTinyModel('org/tiny-llama')
  await addTinyModel('org/gated-llama', { gated: 'manual', acceptedTokens: [TOKEN] })
  await addTinyModel(STALLED_REPO, { isLfs: () => false })
  hub.validTokens.add(TOKEN)
  services = createServices({ dataDir: join(temp.dir, 'home'), hub: { env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir } } })
}, 60_000)

afterAll(async () => {
  await services?.close()
  await hub?.close()
  temp?.remove()
})

describe('hub calls and the hub-download job', () => {
  it('shows a model\'s files to fetch and their total before any download', async () => {
    const answer = await call<HubModelDetail>('hubModelInfo', { repo: 'org/tiny-llama' })
    expect(answer.ok, JSON.stringify(answer)).toBe(true)
    const detail = (answer as { data: HubModelDetail }).data
    expect(detail.files.map((f) => f.path)).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json']))
    expect(detail.totalBytes).toBe(detail.files.reduce((n, f) => n + f.size, 0))
    expect(detail).toMatchObject({ repo: 'org/tiny-llama', problem: null, cachedPath: null, gated: false })
  })

  it('downloads a model in a job process with bytes, rate and ETA, registers it, and lists it in the cache as added', async () => {
    const events: JobEvent[] = []
    const unsubscribe = services.subscribe('onJobEvent', (event) => events.push(event))
    const answer = await call<HubDownloadResult>('hubDownload', { kind: 'model', repo: 'org/tiny-llama' })
    unsubscribe()
    expect(answer.ok, JSON.stringify(answer)).toBe(true)
    const result = (answer as { data: Extract<HubDownloadResult, { kind: 'model' }> }).data
    expect(result.folder.startsWith(join(cacheDir, 'models--org--tiny-llama', 'snapshots'))).toBe(true)
    expect(result.model).toMatchObject({ name: 'org/tiny-llama', path: result.folder, modelType: 'llama' })

    const started = events.find((event) => event.type === 'started')
    expect(started).toMatchObject({ kind: 'hub-download' })
    expect(started && 'pid' in started && started.pid).not.toBe(process.pid)
    const transfers = events.flatMap((event) => (event.type === 'progress' && event.transfer ? [event.transfer] : []))
    expect(transfers.length).toBeGreaterThan(0)
    const last = transfers.at(-1)!
    expect(last.bytes).toBe(last.totalBytes)
    expect(last.totalBytes).toBeGreaterThan(0)
    for (const t of transfers) expect(t).toEqual({ file: expect.any(String), bytes: expect.any(Number), totalBytes: last.totalBytes, bytesPerSecond: expect.any(Number), etaSeconds: t.etaSeconds === null ? null : expect.any(Number) })
    expect(events.at(-1)).toMatchObject({ type: 'ended', state: 'completed' })

    const models = await call<Array<{ id: string; path: string }>>('modelsList', {})
    expect(models.ok && models.data.map((m) => m.path)).toEqual([result.folder])
    const cached = await call<Array<{ repo: string; registeredModelId: string | null }>>('hubCachedModels', {})
    expect(cached.ok && cached.data).toEqual([expect.objectContaining({ repo: 'org/tiny-llama', path: result.folder, registeredModelId: result.model.id })])
  }, 60_000)

  it('a second download of the same model is answered from the cache, without a request, and not registered twice', async () => {
    const before = hub.requests.length
    const answer = await call<HubDownloadResult>('hubDownload', { kind: 'model', repo: 'org/tiny-llama' })
    expect(answer.ok, JSON.stringify(answer)).toBe(true)
    expect(hub.requests.length).toBe(before)
    const models = await call<unknown[]>('modelsList', {})
    expect(models.ok && models.data).toHaveLength(1)
  }, 60_000)

  it('refuses a gated model without a token, with the page to accept it; with the token set in Settings it is fetched', async () => {
    const refused = await call('hubDownload', { kind: 'model', repo: 'org/gated-llama' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining(`${hub.url}/org/gated-llama`) } })

    const events: JobEvent[] = []
    const unsubscribe = services.subscribe('onJobEvent', (event) => events.push(event))
    const set = await call<HubTokenStatus>('hubSetToken', { token: ` ${TOKEN} ` })
    expect(set).toMatchObject({ ok: true, data: { set: true, source: 'stored', storage: 'file', endpoint: hub.url, cacheDir } })
    const fetched = await call<HubDownloadResult>('hubDownload', { kind: 'model', repo: 'org/gated-llama' })
    unsubscribe()
    expect(fetched.ok, JSON.stringify(fetched)).toBe(true)
    // The token went to the Hub (the gated files came), and nowhere the page or a log can see.
    expect(hub.requests.some((r) => r.origin === 'hub' && r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true)
    expect(hub.requests.some((r) => r.origin === 'cdn' && r.headers.authorization !== undefined)).toBe(false)
    expect(JSON.stringify(events)).not.toContain(TOKEN)
    expect(JSON.stringify(await services.jobsList({}))).not.toContain(TOKEN)
    const file = (set as { data: HubTokenStatus }).data.file
    expect(statSync(file).mode & 0o777).toBe(0o600)

    const status = await call<HubTokenStatus>('hubTokenStatus', {})
    expect(JSON.stringify(status)).not.toContain(TOKEN)
    const cleared = await call<HubTokenStatus>('hubSetToken', { token: null })
    expect(cleared).toMatchObject({ ok: true, data: { set: false, source: null } })
    expect(existsSync(file)).toBe(false)
  }, 60_000)

  it('stops a download midway keeping its part file, and the next download resumes it to the same model', async () => {
    stall.on = true
    const events: JobEvent[] = []
    const unsubscribe = services.subscribe('onJobEvent', (event) => events.push(event))
    const downloading = call('hubDownload', { kind: 'model', repo: STALLED_REPO })
    // The half was sent; a moment for the job to write it to its part file.
    await waitFor(() => (stall.sent > 0 ? true : undefined))
    await new Promise((resolve) => setTimeout(resolve, 500))
    const jobId = events.find((e) => e.type === 'started' && e.kind === 'hub-download')!.jobId
    await services.jobsCancel({ jobId })
    const stopped = await downloading
    unsubscribe()
    expect(stopped).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('part files are kept') } })
    const blobs = join(cacheDir, 'models--org--slow-model', 'blobs')
    const parts = readdirSync(blobs).filter((name) => name.endsWith('.incomplete'))
    expect(parts).toHaveLength(1)
    expect(statSync(join(blobs, parts[0])).size).toBe(stall.sent)

    stall.on = false
    const before = hub.requests.length
    const resumed = await call<HubDownloadResult>('hubDownload', { kind: 'model', repo: STALLED_REPO })
    expect(resumed.ok, JSON.stringify(resumed)).toBe(true)
    const ranged = hub.requests.slice(before).filter((r) => r.method === 'GET' && r.url.endsWith(`/${STALLED_FILE}`))
    expect(ranged.map((r) => r.headers.range)).toEqual([`bytes=${stall.sent}-`])
    expect(readdirSync(blobs).filter((name) => name.endsWith('.incomplete'))).toEqual([])
  }, 90_000)

  it('lists a dataset repo\'s files by split and downloads the chosen one in a job, answering its local path', async () => {
    const dir = join(temp.dir, 'dataset-repo')
    mkdirSync(join(dir, 'data'), { recursive: true })
    const train = '{"prompt": "a", "completion": "b"}\n'
    writeFileSync(join(dir, 'data', 'train-00000-of-00001.jsonl'), train)
    writeFileSync(join(dir, 'data', 'test-00000-of-00001.jsonl'), '{"prompt": "c", "completion": "d"}\n')
    writeFileSync(join(dir, 'README.md'), '# a dataset\n')
    await hub.addRepo({ kind: 'dataset', id: 'org/tiny-data', dir, info: { cardData: {}, tags: [] } })
    const listed = await call<HubDatasetFiles>('hubDatasetFiles', { repo: 'org/tiny-data' })
    expect(listed.ok, JSON.stringify(listed)).toBe(true)
    const files = (listed as { data: HubDatasetFiles }).data
    expect(files.files.map((f) => [f.path, f.split]).sort()).toEqual([['data/test-00000-of-00001.jsonl', 'test'], ['data/train-00000-of-00001.jsonl', 'train']])
    const answer = await call<HubDownloadResult>('hubDownload', { kind: 'dataset', repo: 'org/tiny-data', revision: files.revision, files: ['data/train-00000-of-00001.jsonl'] })
    expect(answer.ok, JSON.stringify(answer)).toBe(true)
    const result = (answer as { data: Extract<HubDownloadResult, { kind: 'dataset' }> }).data
    expect(result.files).toEqual([{ path: 'data/train-00000-of-00001.jsonl', localPath: expect.stringContaining(join(cacheDir, 'datasets--org--tiny-data', 'snapshots')), split: 'train' }])
    expect(readFileSync(result.files[0].localPath, 'utf8')).toBe(train)
  }, 60_000)

  it('offline (HF_HUB_OFFLINE), a cached model is added with no request, and a search says why it cannot run', async () => {
    const offline = createServices({ dataDir: join(temp.dir, 'home-offline'), hub: { env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir, HF_HUB_OFFLINE: '1' } } })
    try {
      const before = hub.requests.length
      const status = await dispatchCall(offline, 'hubTokenStatus', {})
      expect(status).toMatchObject({ ok: true, data: { offline: true } })
      const added = await dispatchCall(offline, 'hubDownload', { kind: 'model', repo: 'org/tiny-llama' })
      expect(added).toMatchObject({ ok: true, data: { kind: 'model', model: { name: 'org/tiny-llama' } } })
      const search = await dispatchCall(offline, 'hubSearchModels', { query: 'llama' })
      expect(search).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('HF_HUB_OFFLINE') } })
      const missing = await dispatchCall(offline, 'hubDownload', { kind: 'model', repo: 'org/never-downloaded' })
      expect(missing).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('HF_HUB_OFFLINE') } })
      expect(hub.requests.length).toBe(before)
    } finally {
      await offline.close()
    }
  }, 60_000)

  it('says within seconds that the Hub cannot be reached, never hanging', async () => {
    // A port that was just free: the connection is refused.
    const free = createServer()
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve))
    const port = (free.address() as AddressInfo).port
    await new Promise((resolve) => free.close(resolve))
    const endpoint = `http://127.0.0.1:${port}`
    const down = createServices({ dataDir: join(temp.dir, 'home-down'), hub: { env: { HF_ENDPOINT: endpoint, HF_HUB_CACHE: cacheDir } } })
    try {
      const started = Date.now()
      const answer = await dispatchCall(down, 'hubSearchModels', { query: 'llama' })
      expect(answer).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining(endpoint) } })
      expect(Date.now() - started).toBeLessThan(12_000)
    } finally {
      await down.close()
    }
  }, 30_000)
})

async function waitFor<T>(find: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const found = find()
    if (found !== undefined) return found
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
