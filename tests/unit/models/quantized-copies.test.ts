// The quantized copies under the data folder (main/models/quantized/copies.ts): what a new copy
// leaves unreadable for good is deleted when it is made, `models show` lists a model's copies,
// and `models remove` deletes them, never the user's folder, never a copy a run is training on.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { inspectModelFolder } from '../../../main/models'
import { copiesOfModel, listQuantizedCopies, removeQuantizedCopies, supersededBy } from '../../../main/models/quantized/copies'
import { quantizedRoot } from '../../../main/models/quantized/manifest'
import { ensureQuantizedCopy } from '../../../main/models/quantized/quantize-folder'
import { openStore } from '../../../main/store'
import { currentProcessIdentity } from '../../../main/store/process-liveness'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir('ms-quantized-copies-')))
afterEach(() => temp.remove())

/** A pid no process has: above Linux's largest pid_max (2^22) and macOS's and Windows' ranges. */
const DEAD_PID = 2 ** 30 + 7

function folderNames(dataDir: string): string[] {
  return readdirSync(quantizedRoot(dataDir)).sort()
}

/** A folder like one an older app wrote: a manifest of another version, naming its model. */
function writeOlderCopy(dataDir: string, name: string, model: string, scheme: 'int4' | 'int8'): string {
  const dir = join(quantizedRoot(dataDir), name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: 1, scheme, model, key: 'old', bytes: 8, tensors: {} }))
  writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(8))
  return dir
}

describe('quantized copies', () => {
  it('lists copies by state, and a new copy deletes what it leaves unreadable, nothing else', () => {
    const dataDir = join(temp.dir, 'home')
    const model = writeTinyModel(join(temp.dir, 'llama'), 'llama')
    const other = writeTinyModel(join(temp.dir, 'other'), 'llama', { seed: 3 })
    expect(listQuantizedCopies(dataDir)).toEqual([])

    const first = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int4', dataDir)
    const int8 = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int8', dataDir)
    const others = ensureQuantizedCopy(inspectModelFolder(other.dir), 'int4', dataDir)
    const older = writeOlderCopy(dataDir, 'llama-int4-0123456789abcdef', model.dir, 'int4')
    const abandoned = join(quantizedRoot(dataDir), `llama-int4-fedcba9876543210.${DEAD_PID}.tmp`)
    const writing = join(quantizedRoot(dataDir), `other-int4-fedcba9876543210.${process.pid}.tmp`)
    const recent = join(quantizedRoot(dataDir), `llama-int4-0000000000000001.${DEAD_PID}.tmp`)
    for (const dir of [abandoned, writing, recent]) {
      mkdirSync(dir)
      writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(1000))
    }
    // Killed an hour ago; `recent`'s writer is gone too, but it wrote a minute ago (on a shared data
    // folder it may be another machine's live writer): it waits.
    const hourAgo = new Date(Date.now() - 3600_000)
    utimesSync(join(abandoned, 'weights.bin'), hourAgo, hourAgo)
    utimesSync(abandoned, hourAgo, hourAgo)

    const entries = listQuantizedCopies(dataDir)
    const state = (dir: string) => entries.find((e) => e.dir === dir)
    expect(state(first.dir)).toMatchObject({ state: 'ready', model: model.dir, scheme: 'int4', key: first.manifest.key })
    expect(state(first.dir)!.bytes).toBeGreaterThan(first.manifest.bytes) // the weights and the manifest
    expect(state(older)).toMatchObject({ state: 'outdated', model: model.dir, scheme: 'int4' })
    expect(state(abandoned)).toMatchObject({ state: 'abandoned', model: null, bytes: 1000 })
    expect(state(writing)).toMatchObject({ state: 'writing', model: null })
    expect(state(recent)).toMatchObject({ state: 'writing' })
    expect(copiesOfModel(entries, model.dir).map((e) => e.dir).sort()).toEqual([first.dir, int8.dir, older].sort())
    // Through a link to the folder, the same model.
    symlinkSync(model.dir, join(temp.dir, 'link'))
    expect(copiesOfModel(entries, join(temp.dir, 'link'))).toHaveLength(3)

    // The weight files change (a new download): the next int4 copy gets another key, and deletes
    // the earlier int4 copy, the older app's and the abandoned folder; not the int8 copy, not the
    // other model's, not the folder a live process is writing.
    const weights = join(model.dir, 'model.safetensors')
    utimesSync(weights, new Date(), new Date(Date.now() + 60_000))
    const log: string[] = []
    const second = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int4', dataDir, (m) => log.push(m))
    expect(second.created).toBe(true)
    expect(second.dir).not.toBe(first.dir)
    expect(folderNames(dataDir)).toEqual([second.dir, int8.dir, others.dir, writing, recent].map((d) => d.slice(quantizedRoot(dataDir).length + 1)).sort())
    expect(log).toContainEqual(expect.stringMatching(/^deleted 3 copies \([\d.]+ KiB\) that nothing reads any more/))
    // The model folder is only read.
    expect(readFileSync(weights).length).toBeGreaterThan(0)
    expect(existsSync(join(model.dir, 'config.json'))).toBe(true)

    // Found whole, a copy is reused and deletes nothing.
    const again = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int4', dataDir)
    expect(again).toMatchObject({ dir: second.dir, created: false })
    expect(folderNames(dataDir)).toHaveLength(5)
  })

  it('never deletes a folder a live process is writing', () => {
    const dataDir = join(temp.dir, 'home')
    const writing = join(quantizedRoot(dataDir), `m-int4-0000000000000000.${process.pid}.tmp`)
    mkdirSync(writing, { recursive: true })
    const entries = listQuantizedCopies(dataDir)
    expect(supersededBy(entries, { dir: 'x', model: '/m', scheme: 'int4' })).toEqual([])
    const result = removeQuantizedCopies(entries)
    expect(result).toMatchObject({ removed: [], freedBytes: 0, kept: [{ why: 'a running job is writing it' }] })
    expect(existsSync(writing)).toBe(true)
  })

  it('models show lists a model\'s copies; models remove deletes them, not one a run trains on', async () => {
    const home = join(temp.dir, 'home')
    const model = writeTinyModel(join(temp.dir, 'llama'), 'llama')
    const cli = (...argv: string[]) => runCli(argv, { home })
    const imported = JSON.parse((await cli('models', 'import', model.dir, '--json')).stdout)
    expect(imported.quantizedCopies).toEqual([])

    const int4 = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int4', home)
    const int8 = ensureQuantizedCopy(inspectModelFolder(model.dir), 'int8', home)
    const shown = JSON.parse((await cli('models', 'show', imported.id, '--json')).stdout)
    expect(shown.quantizedCopies).toEqual([
      { scheme: 'int4', dir: int4.dir, bytes: expect.any(Number), modifiedAt: expect.any(String), current: true },
      { scheme: 'int8', dir: int8.dir, bytes: expect.any(Number), modifiedAt: expect.any(String), current: true },
    ])
    const text = (await cli('models', 'show', imported.id)).stdout
    expect(text).toMatch(/\n {2}quantized {5}int4, [\d.]+ KiB in .*quantized.* \(.* UTC; used by runs with model\.quantize\)\n/)
    // Weight files changed since: the copies are listed as of earlier files.
    utimesSync(join(model.dir, 'model.safetensors'), new Date(), new Date(Date.now() + 60_000))
    const stale = JSON.parse((await cli('models', 'show', imported.id, '--json')).stdout)
    expect(stale.quantizedCopies.map((c: { current: boolean }) => c.current)).toEqual([false, false])

    // A run is training on the int8 copy: removal keeps that one, says why, and deletes the other.
    const store = openStore(home)
    const config = RunConfig.parse({ model: { path: model.dir, quantize: 'int8' }, data: { train: join(temp.dir, 'none.jsonl') }, adapter: { method: 'ia3' }, device: 'cpu' })
    const run = store.runs.create({ name: 'busy', config, method: 'ia3' })
    store.runs.markRunning(run.id, currentProcessIdentity())
    store.close()
    const removed = await cli('models', 'remove', imported.id)
    expect(removed.code).toBe(0)
    expect(removed.stdout).toMatch(/^Removed model .*; .* is untouched\.\nDeleted its quantized copy from the data folder: int4 [\d.]+ KiB\.\nCould not delete .*-int8-.* now \(run "busy" \(.*\) is training on it\); delete it by hand once no run uses it\.\n$/)
    expect(existsSync(int4.dir)).toBe(false)
    expect(existsSync(int8.dir)).toBe(true)
    expect(existsSync(join(model.dir, 'model.safetensors'))).toBe(true)
  })
})
