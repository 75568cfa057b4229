// Downloads from the local Hub with the real @huggingface/hub client and real HTTP: the cache
// layout, Range resume after a cut, integrity refusal and retry, offline and cached lookups that
// make no request, gated/404/unsupported refusals, timeouts, the token's reach, the disk check.
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { downloadModel, type DownloadModelOptions } from '../../../main/hub/model-download'
import { findCachedModels } from '../../../main/hub/hub-cache'
import { HubError } from '../../../main/hub/hub-error'
import { startHubServer, type HubServer } from '../../helpers/hub-server'
import { makeTempDir } from '../../helpers/temp-dir'

let hub: HubServer
let cache: ReturnType<typeof makeTempDir>
beforeAll(async () => {
  hub = await startHubServer()
})
afterAll(() => hub.close())
beforeEach(() => {
  cache = makeTempDir('mixture-studio-hf-cache-')
  hub.requests.length = 0
})
afterEach(() => cache.remove())

const options = (repo: string, extra: Partial<DownloadModelOptions> = {}): DownloadModelOptions => ({ repo, endpoint: hub.url, cacheDir: cache.dir, offline: false, timeoutMs: 3000, ...extra })

async function failure(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof HubError) return error
    throw error
  }
  throw new Error('expected the download to fail')
}

function expectSameFiles(folder: string, source: string, paths: string[]): void {
  for (const path of paths) expect(readFileSync(join(folder, path)).equals(readFileSync(join(source, path))), path).toBe(true)
}

describe('downloadModel', () => {
  test('fetches a model into the HF cache layout: blobs by etag, snapshot links, refs/main; byte for byte', async () => {
    const { repo, model } = await hub.addTinyModel('org/llama-tiny', 'llama', { shards: 2 })
    const progress: number[] = []
    const done = await downloadModel(options('org/llama-tiny', { onProgress: (p) => progress.push(p.bytes) }))
    const root = join(cache.dir, 'models--org--llama-tiny')
    expect(done.folder).toBe(join(root, 'snapshots', repo.commit))
    expect(done.fromCache).toBe(false)
    expect(readFileSync(join(root, 'refs', 'main'), 'utf8')).toBe(repo.commit)
    const fetched = readdirSync(done.folder).sort()
    expect(fetched).toEqual(repo.files.map((f) => f.path).sort())
    expectSameFiles(done.folder, model.dir, fetched)
    for (const file of repo.files) {
      const link = join(done.folder, file.path)
      expect(lstatSync(link).isSymbolicLink()).toBe(true)
      expect(readlinkSync(link)).toBe(join('..', '..', 'blobs', file.lfs ? file.sha256 : file.gitOid))
    }
    expect(readdirSync(join(root, 'blobs')).some((name) => name.endsWith('.incomplete'))).toBe(false)
    expect(progress.at(-1)).toBe(repo.files.reduce((n, f) => n + f.size, 0))
  })

  test('a connection cut mid-file is a network error; run again, it resumes with a Range and the file is byte-identical', async () => {
    const { repo, model } = await hub.addTinyModel('org/cut', 'qwen2')
    const weights = repo.files.find((f) => f.path === 'model.safetensors')!
    hub.cutAfter('org/cut', 'model.safetensors', 5000)
    const error = await failure(downloadModel(options('org/cut')))
    expect(error.kind).toBe('network')
    expect(error.message).toMatch(/dropped after 5000 of \d+ bytes of model.safetensors/)
    const part = join(cache.dir, 'models--org--cut', 'blobs', `${weights.sha256}.incomplete`)
    expect(statSync(part).size).toBe(5000)
    hub.requests.length = 0
    const done = await downloadModel(options('org/cut'))
    const ranged = hub.requests.filter((r) => r.origin === 'cdn' && r.url.endsWith(weights.sha256))
    expect(ranged.map((r) => r.headers.range)).toEqual(['bytes=5000-'])
    expectSameFiles(done.folder, model.dir, ['model.safetensors', 'config.json', 'tokenizer.json'])
    expect(existsSync(part)).toBe(false)
  })

  test('a corrupted byte is refused as integrity, the part kept; once the server is fixed a retry succeeds', async () => {
    const { repo, model } = await hub.addTinyModel('org/corrupt', 'gpt2')
    const weights = repo.files.find((f) => f.path === 'model.safetensors')!
    hub.corrupt('org/corrupt', 'model.safetensors', 1234)
    const error = await failure(downloadModel(options('org/corrupt')))
    expect(error.kind).toBe('integrity')
    expect(error.message).toContain('model.safetensors failed its integrity check')
    const part = join(cache.dir, 'models--org--corrupt', 'blobs', `${weights.sha256}.incomplete`)
    expect(statSync(part).size).toBe(weights.size)
    expect(existsSync(join(cache.dir, 'models--org--corrupt', 'blobs', weights.sha256))).toBe(false)
    expect(existsSync(join(cache.dir, 'models--org--corrupt', 'refs', 'main'))).toBe(false)
    hub.repair('org/corrupt', 'model.safetensors')
    hub.requests.length = 0
    const done = await downloadModel(options('org/corrupt'))
    expectSameFiles(done.folder, model.dir, ['model.safetensors'])
    // The kept part was whole and wrong: the retry checks it again and fetches the file anew, not a Range past its end.
    expect(hub.requests.filter((r) => r.origin === 'cdn').map((r) => r.headers.range)).toEqual([undefined])
  })

  test('a model already complete in the cache is found with no request, online or offline', async () => {
    const { repo } = await hub.addTinyModel('org/cached', 'mistral')
    const first = await downloadModel(options('org/cached'))
    hub.requests.length = 0
    const again = await downloadModel(options('org/cached'))
    const offline = await downloadModel(options('org/cached', { offline: true, endpoint: 'http://127.0.0.1:9' }))
    const byCommit = await downloadModel(options('org/cached', { revision: repo.commit }))
    expect(hub.requests).toEqual([])
    for (const found of [again, offline, byCommit]) expect([found.folder, found.fromCache]).toEqual([first.folder, true])
    expect(findCachedModels(cache.dir).map((m) => [m.repo, m.commit, m.refs, m.path])).toEqual([['org/cached', repo.commit, ['main'], first.folder]])
    expect(hub.requests).toEqual([])
  })

  test('offline mode fetches nothing and says what the cache lacks', async () => {
    await hub.addTinyModel('org/offline', 'llama')
    const error = await failure(downloadModel(options('org/offline', { offline: true })))
    expect(error.kind).toBe('offline')
    expect(error.message).toContain(`the cache (${cache.dir}) has no org/offline at main`)
    expect(hub.requests).toEqual([])
  })

  test('a gated repo gives the link to accept it, with or without a token; an accepted token downloads', async () => {
    hub.validTokens.add('hf_accepted').add('hf_pending')
    await hub.addTinyModel('org/gated', 'llama', { repo: { gated: 'manual', acceptedTokens: ['hf_accepted'] } })
    for (const token of [null, 'hf_pending']) {
      const error = await failure(downloadModel(options('org/gated', { token })))
      expect(error.kind).toBe('gated')
      expect(error.acceptUrl).toBe(`${hub.url}/org/gated`)
      expect(error.message).toContain(`accept its conditions at ${hub.url}/org/gated`)
    }
    const done = await downloadModel(options('org/gated', { token: 'hf_accepted' }))
    expect(existsSync(join(done.folder, 'model.safetensors'))).toBe(true)
  })

  test('the token goes to the Hub origin only, never to the LFS redirect, and never into an error', async () => {
    const token = 'hf_secretsecretsecretsecret'
    hub.validTokens.add(token)
    await hub.addTinyModel('org/token', 'llama', { repo: { gated: 'auto', acceptedTokens: [token] } })
    await downloadModel(options('org/token', { token }))
    const hubRequests = hub.requests.filter((r) => r.origin === 'hub')
    const cdnRequests = hub.requests.filter((r) => r.origin === 'cdn')
    expect(cdnRequests.length).toBeGreaterThan(0)
    expect(hubRequests.every((r) => r.headers.authorization === `Bearer ${token}`)).toBe(true)
    expect(cdnRequests.every((r) => r.headers.authorization === undefined)).toBe(true)
    const refused = await failure(downloadModel(options('org/token', { token: 'hf_wrongwrongwrongwrongwrong', cacheDir: join(cache.dir, 'other') })))
    expect(refused.kind).toBe('unauthorized')
    expect(refused.message).not.toContain('hf_wrongwrongwrongwrongwrong')
  })

  test('a missing repo or revision is not-found', async () => {
    await hub.addTinyModel('org/present', 'gpt2')
    expect((await failure(downloadModel(options('org/absent')))).kind).toBe('not-found')
    const revision = await failure(downloadModel(options('org/present', { revision: 'v404' })))
    expect([revision.kind, revision.message]).toEqual(['not-found', expect.stringContaining('org/present has no such revision')])
  })

  test('a repo with only pickled .bin weights is refused before any file is fetched, saying why', async () => {
    await hub.addTinyModel('org/pickle', 'llama', {
      editFolder: (dir) => renameSync(join(dir, 'model.safetensors'), join(dir, 'pytorch_model.bin')),
    })
    const error = await failure(downloadModel(options('org/pickle')))
    expect(error.kind).toBe('no-safetensors')
    expect(error.message).toContain('org/pickle has no safetensors weights. It has only pytorch_model.bin')
    expect(hub.requests.some((r) => r.url.includes('/resolve/'))).toBe(false)
    expect(existsSync(join(cache.dir, 'models--org--pickle'))).toBe(false)
  })

  test('an architecture we do not train is refused, naming it', async () => {
    await hub.addTinyModel('org/bert', 'llama', { repo: { info: { config: { model_type: 'bert', architectures: ['BertModel'] } } } })
    const error = await failure(downloadModel(options('org/bert')))
    expect([error.kind, error.message]).toEqual(['unsupported', 'org/bert is a bert model (BertModel); we train llama, mistral, qwen2, qwen3, smollm3, gemma3_text, gpt2, t5.'])
  })

  test('too little free disk space is refused before anything is fetched', async () => {
    const { repo } = await hub.addTinyModel('org/big', 'llama')
    const statfs = async () => ({ bavail: 10, bsize: 4096 })
    const error = await failure(downloadModel(options('org/big', { statfs })))
    expect(error.kind).toBe('disk-full')
    expect(error.message).toContain(`in ${cache.dir}, which has 40.0 KiB free`)
    expect(hub.requests.some((r) => r.url.includes('/resolve/'))).toBe(false)
    const roomy = async () => ({ bavail: 1e9, bsize: 4096 })
    expect((await downloadModel(options('org/big', { statfs: roomy }))).commit).toBe(repo.commit)
  })

  test('a file another live process is downloading is refused as busy; a lock left by a dead process is taken over', async () => {
    const { repo } = await hub.addTinyModel('org/locked', 'llama')
    const weights = repo.files.find((f) => f.path === 'model.safetensors')!
    const lock = join(cache.dir, '.locks', 'models--org--locked', `${weights.sha256}.lock`)
    mkdirSync(dirname(lock), { recursive: true })
    writeFileSync(lock, String(process.pid))
    const error = await failure(downloadModel(options('org/locked')))
    expect([error.kind, error.message]).toEqual(['busy', expect.stringContaining(`being downloaded by another process (pid ${process.pid})`)])
    writeFileSync(lock, '4194303') // above Linux's pid_max: no such process
    expect((await downloadModel(options('org/locked'))).commit).toBe(repo.commit)
    expect(existsSync(lock)).toBe(false)
  })

  test('a file system that cannot tell its free space does not stop the download', async () => {
    const { repo } = await hub.addTinyModel('org/nfs', 'llama')
    const statfs = async (): Promise<never> => {
      throw Object.assign(new Error('statfs not supported'), { code: 'ENOSYS' })
    }
    expect((await downloadModel(options('org/nfs', { statfs }))).commit).toBe(repo.commit)
  })
})

describe('no network', () => {
  let silent: NetServer
  let silentUrl = ''
  const sockets = new Set<Socket>()
  beforeAll(async () => {
    // Accepts connections and never answers: a hung server, or a network that drops everything.
    silent = createNetServer((socket) => void sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`
  })
  afterAll(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>((resolve) => silent.close(() => resolve()))
  })

  test('a closed port fails at once as network', async () => {
    // A port that was just free: nothing listens there (connection refused).
    const probe = createNetServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const closed = `http://127.0.0.1:${(probe.address() as { port: number }).port}`
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const started = Date.now()
    const error = await failure(downloadModel(options('org/any', { endpoint: closed })))
    expect(error.kind).toBe('network')
    expect(error.message).toContain(`Could not reach ${closed}`)
    expect(error.message).toContain('ECONNREFUSED')
    expect(Date.now() - started).toBeLessThan(5000)
  })

  test('a server that never answers fails within the timeout as network, never a hang', async () => {
    const started = Date.now()
    const error = await failure(downloadModel(options('org/any', { endpoint: silentUrl, timeoutMs: 1000 })))
    expect([error.kind, error.message]).toEqual(['network', expect.stringContaining('(no answer in 1 s)')])
    expect(Date.now() - started).toBeLessThan(4000)
  })

  test('a download whose bytes stop coming fails within the timeout, keeping the part to resume', async () => {
    const { repo, model } = await hub.addTinyModel('org/stall', 'llama')
    const weights = repo.files.find((f) => f.path === 'model.safetensors')!
    hub.stallAfter('org/stall', 'model.safetensors', 3000)
    const started = Date.now()
    const error = await failure(downloadModel(options('org/stall', { timeoutMs: 1000 })))
    expect([error.kind, error.message]).toEqual(['network', expect.stringContaining('No answer for 1 s')])
    expect(Date.now() - started).toBeLessThan(4000)
    expect(statSync(join(cache.dir, 'models--org--stall', 'blobs', `${weights.sha256}.incomplete`)).size).toBe(3000)
    const done = await downloadModel(options('org/stall'))
    expectSameFiles(done.folder, model.dir, ['model.safetensors'])
  })
})
