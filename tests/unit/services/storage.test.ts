// The storage view (services/storage.ts, `store usage`, `store delete-copies`): what the data folder
// holds by part, the standing of every quantized copy, and the deletion of copies, which removes
// only folders under quantized/ that no run reads again or that the user named, never one a run
// trains on or a job is writing.
import { existsSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunConfig, type StorageReport } from '../../../main/contract'
import { inspectModelFolder } from '../../../main/models'
import { quantizedRoot } from '../../../main/models/quantized/manifest'
import { ensureQuantizedCopy } from '../../../main/models/quantized/quantize-folder'
import { createServices, dispatchCall, type Services } from '../../../main/services'
import { dataFolderParts } from '../../../main/store/data-folder-usage'
import { folderSize } from '../../../main/store/folder-size'
import { currentProcessIdentity } from '../../../main/store/process-liveness'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir('ms-storage-')))
afterEach(() => temp.remove())

/** A pid no process has (see quantized-copies.test.ts). */
const DEAD_PID = 2 ** 30 + 7

function file(path: string, bytes: number): void {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, Buffer.alloc(bytes))
}

describe('what the data folder holds', () => {
  it('a folder\'s size counts its files and never follows a link out of it', () => {
    file(join(temp.dir, 'big', 'weights.bin'), 100_000)
    file(join(temp.dir, 'run', 'a', 'b', 'c.bin'), 300)
    file(join(temp.dir, 'run', 'd.bin'), 20)
    symlinkSync(join(temp.dir, 'big'), join(temp.dir, 'run', 'model'))
    const size = folderSize(join(temp.dir, 'run'))
    expect(size.files).toBe(3) // the two files and the link itself
    expect(size.bytes).toBeGreaterThanOrEqual(320)
    expect(size.bytes).toBeLessThan(320 + 4096) // the link's own few bytes, not the 100 kB it points at
    expect(folderSize(join(temp.dir, 'none'))).toEqual({ bytes: 0, files: 0, unreadable: 0 })
  })

  it('each top-level entry counts in its part; the run store\'s files and set-aside databases together', () => {
    const home = join(temp.dir, 'home')
    file(join(home, 'studio.db'), 1000)
    file(join(home, 'studio.db-wal'), 200)
    file(join(home, 'studio.db.damaged-20260101T000000Z'), 30)
    file(join(home, 'runs', 'r1', 'adapter', 'adapter.safetensors'), 5000)
    file(join(home, 'quantized', 'm-int4-0123', 'weights.bin'), 7000)
    file(join(home, 'backups', 'studio-1.db'), 900)
    file(join(home, 'settings.json'), 40)
    file(join(home, 'hf', 'models--a--b', 'blobs', 'x'), 99_999)
    const parts = dataFolderParts(home, [join(home, 'hf')])
    const byKind = Object.fromEntries(parts.map((p) => [p.kind, p.bytes]))
    expect(byKind).toEqual({ store: 1230, runs: 5000, quantized: 7000, backups: 900, other: 40, datasets: 0, runtimes: 0, demo: 0 })
    expect(parts.map((p) => p.kind).slice(0, 3)).toEqual(['quantized', 'runs', 'store']) // largest first
    expect(parts.find((p) => p.kind === 'runs')!.path).toBe(join(home, 'runs'))
  })
})

describe('the storage view and its deletions', () => {
  let services: Services
  let home: string
  let hubCache: string
  beforeEach(() => {
    home = join(temp.dir, 'home')
    hubCache = join(temp.dir, 'hf-cache')
    services = createServices({ dataDir: home, hub: { env: { HF_HUB_CACHE: hubCache } } })
  })
  afterEach(async () => services.close())

  const show = (): Promise<StorageReport> => services.storageShow({})

  /** Copies in every standing, of a registered model, an unregistered one and one whose folder is gone. */
  async function copiesInEveryStanding() {
    const model = writeTinyModel(join(temp.dir, 'llama'), 'llama')
    const loose = writeTinyModel(join(temp.dir, 'loose'), 'llama', { seed: 3 })
    const gone = writeTinyModel(join(temp.dir, 'gone'), 'llama', { seed: 4 })
    const registered = await services.modelsImport({ path: model.dir, name: 'tiny' })
    ensureQuantizedCopy(inspectModelFolder(model.dir), 'int4', home)
    const earlier = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int8', home).dir
    utimesSync(join(model.dir, 'model.safetensors'), new Date(), new Date(Date.now() + 60_000)) // a new download
    // Made again from the new files (and the earlier int4 copy swept): current. The int8 copy is not.
    const current = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int4', home).dir
    const looseCopy = ensureQuantizedCopy(inspectModelFolder(loose.dir), 'int8', home).dir
    const goneCopy = ensureQuantizedCopy(inspectModelFolder(gone.dir), 'int4', home).dir
    rmSync(gone.dir, { recursive: true, force: true })
    const older = join(quantizedRoot(home), 'llama-int4-0123456789abcdef')
    file(join(older, 'weights.bin'), 8)
    writeFileSync(join(older, 'manifest.json'), JSON.stringify({ version: 1, scheme: 'int4', model: model.dir, key: 'old', bytes: 8, tensors: {} }))
    const abandoned = join(quantizedRoot(home), `llama-int4-fedcba9876543210.${DEAD_PID}.tmp`)
    file(join(abandoned, 'weights.bin'), 1000)
    const hourAgo = new Date(Date.now() - 3600_000)
    utimesSync(join(abandoned, 'weights.bin'), hourAgo, hourAgo)
    utimesSync(abandoned, hourAgo, hourAgo)
    const writing = join(quantizedRoot(home), `loose-int4-0000000000000000.${process.pid}.tmp`)
    file(join(writing, 'weights.bin'), 500)
    return { model, loose, modelId: registered.id, current, earlier, looseCopy, goneCopy, older, abandoned, writing }
  }

  it('tells every copy\'s standing, which model it belongs to, and what Delete unused would free', async () => {
    const c = await copiesInEveryStanding()
    const report = await show()
    const standing = Object.fromEntries(report.quantizedCopies.map((copy) => [copy.dir, copy.standing]))
    expect(standing).toEqual({
      [c.current]: 'current',
      [c.earlier]: 'earlier-files',
      [c.looseCopy]: 'current',
      [c.goneCopy]: 'model-gone',
      [c.older]: 'older-app',
      [c.abandoned]: 'abandoned',
      [c.writing]: 'writing',
    })
    const of = (dir: string) => report.quantizedCopies.find((copy) => copy.dir === dir)!
    expect(of(c.current).model).toEqual({ id: c.modelId, name: 'tiny' })
    expect(of(c.older).model).toEqual({ id: c.modelId, name: 'tiny' })
    expect(of(c.looseCopy)).toMatchObject({ model: null, modelPath: c.loose.dir, scheme: 'int8', usedBy: null })
    expect(of(c.abandoned)).toMatchObject({ model: null, modelPath: null, scheme: null, bytes: 1000 })
    const unused = [c.earlier, c.goneCopy, c.older, c.abandoned]
    expect(report.unusedCopies).toEqual({ count: 4, bytes: unused.reduce((n, dir) => n + of(dir).bytes, 0) })
    const sizes = report.quantizedCopies.map((copy) => copy.bytes)
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
    expect(report.parts.find((p) => p.kind === 'quantized')!.bytes).toBe(sizes.reduce((n, b) => n + b, 0))
    expect(report.totalBytes).toBe(report.parts.reduce((n, p) => n + p.bytes, 0))
    expect(report.disk!.freeBytes).toBeGreaterThan(0)
    expect(report.hubCache).toEqual({ path: hubCache, exists: false, bytes: 0, repos: [] })
  })

  it('Delete unused removes the copies no run reads again, and keeps current ones, a writing job\'s and a running run\'s', async () => {
    const c = await copiesInEveryStanding()
    // A run is training on the int8 copy's model and scheme (it started before the new download): kept, and named.
    const store = services.store
    const config = RunConfig.parse({ model: { path: c.model.dir, quantize: 'int8' }, data: { train: join(temp.dir, 'none.jsonl') }, adapter: { method: 'ia3' }, device: 'cpu' })
    const run = store.runs.create({ name: 'busy', config, method: 'ia3' })
    store.runs.markRunning(run.id, currentProcessIdentity())
    expect((await show()).quantizedCopies.find((copy) => copy.dir === c.earlier)!.usedBy).toEqual({ id: run.id, name: 'busy' })

    const result = await services.storageDeleteCopies({ dirs: 'unused' })
    const deleted = result.deleted.map((d) => d.dir).sort()
    expect(deleted).toEqual([c.goneCopy, c.older, c.abandoned].sort())
    expect(result.kept).toEqual([{ dir: c.earlier, bytes: expect.any(Number), why: `run "busy" (${run.id}) is training on it` }])
    expect(result.freedBytes).toBe(result.deleted.reduce((n, d) => n + d.bytes, 0))
    for (const dir of [c.current, c.earlier, c.looseCopy, c.writing]) expect(existsSync(dir)).toBe(true)
    for (const dir of deleted) expect(existsSync(dir)).toBe(false)
    expect(existsSync(join(c.model.dir, 'model.safetensors'))).toBe(true)
  })

  it('deletes a named copy, current or not, and refuses any folder that is not a copy, deleting nothing', async () => {
    const c = await copiesInEveryStanding()
    const refused = await dispatchCall(services, 'storageDeleteCopies', { dirs: [c.looseCopy, c.model.dir] })
    expect(refused.ok).toBe(false)
    if (!refused.ok) expect(refused.error.message).toBe(`${c.model.dir} is not a quantized copy in ${quantizedRoot(home)}; nothing was deleted (mixture-studio store usage lists them)`)
    for (const outside of [quantizedRoot(home), join(home, 'runs'), join(quantizedRoot(home), '..', 'studio.db')]) {
      expect((await dispatchCall(services, 'storageDeleteCopies', { dirs: [outside] })).ok).toBe(false)
    }
    expect(existsSync(c.looseCopy)).toBe(true)

    const named = await services.storageDeleteCopies({ dirs: [c.looseCopy, c.writing] })
    expect(named.deleted.map((d) => d.dir)).toEqual([c.looseCopy])
    expect(named.kept).toEqual([{ dir: c.writing, bytes: 500, why: 'a running job is writing it' }])
    expect(existsSync(c.looseCopy)).toBe(false)
    expect(existsSync(c.loose.dir)).toBe(true)
  })

  it('names the largest run folders, and counts the Hub cache beside the data folder, not in it', async () => {
    const store = services.store
    const config = RunConfig.parse({ model: { path: join(temp.dir, 'm') }, data: { train: join(temp.dir, 'none.jsonl') }, adapter: { method: 'ia3' }, device: 'cpu' })
    const small = store.runs.create({ name: 'small', config, method: 'ia3' })
    const large = store.runs.create({ name: 'large', config, method: 'ia3' })
    file(join(home, 'runs', small.id, 'adapter', 'a.bin'), 100)
    file(join(home, 'runs', large.id, 'checkpoints', 'step-10', 'c.bin'), 9000)
    file(join(home, 'runs', 'restored-elsewhere', 'config.json'), 50)
    file(join(hubCache, 'models--org--m', 'blobs', 'abc'), 12_345)
    file(join(hubCache, 'datasets--org--d', 'blobs', 'def'), 5)
    const report = await show()
    expect(report.runFolders).toBe(3)
    expect(report.largestRuns.map((r) => [r.name, r.bytes])).toEqual([['large', 9000], ['small', 100], [null, 50]])
    expect(report.largestRuns[0]).toMatchObject({ id: large.id, status: 'starting' })
    expect(report.hubCache).toMatchObject({ path: hubCache, exists: true, bytes: 12_350 })
    expect(report.hubCache.repos.map((r) => [r.kind, r.repo, r.bytes])).toEqual([['model', 'org/m', 12_345], ['dataset', 'org/d', 5]])
  })

  it('deletes a Hub cache repo nothing here uses, and refuses one a model, a dataset, a run or a download uses', async () => {
    // A model downloaded into the cache and registered, a dataset file imported from it, one nobody uses.
    const snapshot = join(hubCache, 'models--org--used', 'snapshots', 'a'.repeat(40))
    writeTinyModel(snapshot, 'llama')
    const registered = await services.modelsImport({ path: snapshot, name: 'used' })
    const datasetFile = join(hubCache, 'datasets--org--data', 'snapshots', 'b'.repeat(40), 'train.jsonl')
    file(datasetFile, 0)
    writeFileSync(datasetFile, `${JSON.stringify({ text: 'hello' })}\n`)
    await services.datasetsImport({ path: datasetFile, template: 'plain', trainOnPrompt: false, onError: 'stop', validation: { kind: 'none' } })
    const unused = join(hubCache, 'models--org--unused')
    file(join(unused, 'blobs', 'abc'), 7000)
    const downloading = join(hubCache, 'models--org--fetching')
    file(join(downloading, 'blobs', 'def.incomplete'), 100)

    const report = await show()
    const repo = (name: string) => report.hubCache.repos.find((r) => r.repo === name)!
    expect(repo('org/used').models).toEqual([{ id: registered.id, name: 'used' }])
    expect(repo('org/data').datasets).toHaveLength(1)
    expect(repo('org/unused')).toMatchObject({ kind: 'model', bytes: 7000, downloading: false, models: [], datasets: [], runs: [] })
    expect(repo('org/fetching').downloading).toBe(true)

    const refused = async (folder: string) => {
      const result = await dispatchCall(services, 'storageDeleteHubRepo', { folder })
      expect(result.ok).toBe(false)
      return result.ok ? '' : result.error.message
    }
    expect(await refused(repo('org/used').folder)).toBe(`org/used stays in the Hugging Face cache: model "used" (${registered.id}) lies inside it; remove it on the Models page first. Nothing was deleted.`)
    expect(await refused(repo('org/data').folder)).toMatch(/^org\/data stays in the Hugging Face cache: dataset ".*" \(.*\) lies inside it; remove it on the Datasets page first\. Nothing was deleted\.$/)
    expect(await refused(downloading)).toBe('org/fetching stays in the Hugging Face cache: a download wrote to it in the last 10 minutes; delete it once the download ends. Nothing was deleted.')
    expect(await refused(hubCache)).toMatch(/is not a repo folder of the Hugging Face cache/)
    expect(await refused(join(unused, 'blobs'))).toMatch(/is not a repo folder of the Hugging Face cache/)
    expect(await refused(home)).toMatch(/is not a repo folder of the Hugging Face cache/)
    // A run training on the model: named, even once the model is removed from the list.
    const store = services.store
    const config = RunConfig.parse({ model: { path: snapshot }, data: { train: datasetFile }, adapter: { method: 'ia3' }, device: 'cpu' })
    const run = store.runs.create({ name: 'busy', config, method: 'ia3' })
    store.runs.markRunning(run.id, currentProcessIdentity())
    await services.modelsRemove({ id: registered.id })
    expect(await refused(repo('org/used').folder)).toBe(`org/used stays in the Hugging Face cache: run "busy" (${run.id}) is training on it; delete it once that run ends. Nothing was deleted.`)
    for (const folder of [repo('org/used').folder, repo('org/data').folder, downloading]) expect(existsSync(folder)).toBe(true)

    expect(await services.storageDeleteHubRepo({ folder: unused })).toEqual({ folder: unused, repo: 'org/unused', bytes: 7000 })
    expect(existsSync(unused)).toBe(false)
    expect((await show()).hubCache.repos.map((r) => r.repo).sort()).toEqual(['org/data', 'org/fetching', 'org/used'])
  })
})

describe('store usage and store delete-copies', () => {
  it('print the parts, the copies with their standing, and delete the unused ones', async () => {
    const home = join(temp.dir, 'home')
    const model = writeTinyModel(join(temp.dir, 'llama'), 'llama')
    const cli = (...argv: string[]) => runCli(argv, { home })
    expect((await cli('models', 'import', model.dir, '--name', 'tiny')).code).toBe(0)
    const current = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int4', home).dir
    const stale = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int8', home).dir
    utimesSync(join(model.dir, 'model.safetensors'), new Date(), new Date(Date.now() + 60_000))
    ensureQuantizedCopy(inspectModelFolder(model.dir), 'int4', home) // current again, from the new files

    const usage = await cli('store', 'usage')
    expect(usage.code).toBe(0)
    expect(usage.stdout).toMatch(new RegExp(`^Data folder ${home}: [\\d.]+ (KiB|MiB), on a disk with [\\d.]+ \\w+ free of [\\d.]+ \\w+\\.\\n`))
    expect(usage.stdout).toMatch(/\n {2}Quantized copies of models +[\d.]+ KiB +2 copies, 1 unused \([\d.]+ KiB\)\n/)
    expect(usage.stdout).toMatch(new RegExp(`\\n {2}int8 +[\\d.]+ KiB +tiny \\(\\S+\\) +unused: made from earlier weight files +${stale}\\n`))
    expect(usage.stdout).toContain('used by runs (made again if deleted)')
    expect(usage.stdout).toContain('Delete the unused copies')
    expect(usage.stdout).not.toContain('CUDA runtime') // empty parts go unsaid
    expect(existsSync(current)).toBe(false) // swept when the new int4 copy was made

    const bad = await cli('store', 'delete-copies', '--unused', stale)
    expect(bad.code).toBe(2)
    const deleted = await cli('store', 'delete-copies', '--unused')
    expect(deleted.code).toBe(0)
    expect(deleted.stdout).toMatch(new RegExp(`^Deleted 1 quantized copy \\([\\d.]+ KiB freed\\):\\n {2}${stale}\\n$`))
    expect(existsSync(stale)).toBe(false)
    expect((await cli('store', 'delete-copies', '--unused')).stdout).toBe('No copy to delete.\n')
    const json = JSON.parse((await cli('store', 'usage', '--json')).stdout) as StorageReport
    expect(json.unusedCopies).toEqual({ count: 0, bytes: 0 })
  })

  it('store delete-download deletes a model nothing here uses from the Hub cache, and refuses one a registered model lies in', async () => {
    const home = join(temp.dir, 'home')
    const hubCache = join(temp.dir, 'hf')
    const cli = (...argv: string[]) => runCli(argv, { home, env: { HF_HUB_CACHE: hubCache } })
    file(join(hubCache, 'models--org--old', 'blobs', 'abc'), 3000)
    const snapshot = join(hubCache, 'models--org--kept', 'snapshots', 'c'.repeat(40))
    writeTinyModel(snapshot, 'llama')
    expect((await cli('models', 'import', snapshot, '--name', 'kept')).code).toBe(0)

    const usage = (await cli('store', 'usage')).stdout
    expect(usage).toContain(`Hugging Face cache (downloads; shared with other Hugging Face tools, not in the total): ${hubCache}, `)
    expect(usage).toMatch(/\n {2}model +org\/old +2\.9 KiB +not used here \(store delete-download can delete it\)\n/)
    expect(usage).toMatch(/\n {2}model +org\/kept +[\d.]+ KiB +used by model "kept"\n/)

    const refused = await cli('store', 'delete-download', 'org/kept')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^org\/kept stays in the Hugging Face cache: model "kept" \(.*\) lies inside it; remove it on the Models page first\. Nothing was deleted\.\n$/)
    expect((await cli('store', 'delete-download', 'org/none')).stderr).toBe(`No model org/none in the Hugging Face cache ${hubCache}; nothing was deleted\n`)
    const deleted = await cli('store', 'delete-download', 'org/old')
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted org/old from the Hugging Face cache (2.9 KiB freed): ${join(hubCache, 'models--org--old')}\n` })
    expect(existsSync(join(hubCache, 'models--org--old'))).toBe(false)
    expect(existsSync(snapshot)).toBe(true)
  })
})
