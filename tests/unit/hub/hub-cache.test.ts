// The HF cache as other tools leave it: models found from the disk alone (complete snapshots only,
// refs/main's first), copies as well as links, datasets and half-downloaded snapshots left out.
import { cpSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { cachedCommit, cachedSnapshot, findCachedModels, missingModelFiles, repoFolderName } from '../../../main/hub/hub-cache'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'

const OLD = 'a'.repeat(40)
const NEW = 'b'.repeat(40)
const HALF = 'c'.repeat(40)

let temp: ReturnType<typeof makeTempDir> | null = null
afterEach(() => temp?.remove())

/** A snapshot written as copies, the way huggingface_hub does where links are not allowed. */
function snapshot(cache: string, repo: string, commit: string, source: string): string {
  const dir = join(cache, repoFolderName('model', repo), 'snapshots', commit)
  cpSync(source, dir, { recursive: true })
  return dir
}

describe('HF cache', () => {
  test('findCachedModels: complete snapshots only, the one refs/main names first, no dataset', () => {
    temp = makeTempDir()
    const cache = join(temp.dir, 'hub')
    const model = writeTinyModel(join(temp.dir, 'src'), 'llama', { shards: 2 })
    const old = snapshot(cache, 'org/one', OLD, model.dir)
    snapshot(cache, 'org/one', NEW, model.dir)
    utimesSync(old, new Date(2020, 0, 1), new Date(2020, 0, 1))
    mkdirSync(join(cache, 'models--org--one', 'refs'), { recursive: true })
    writeFileSync(join(cache, 'models--org--one', 'refs', 'main'), OLD)
    const half = snapshot(cache, 'org/half', HALF, model.dir)
    const shard = basename(model.weightFiles[1])
    rmSync(join(half, shard))
    snapshot(cache, 'org/no-tokenizer', NEW, model.dir)
    rmSync(join(cache, 'models--org--no-tokenizer', 'snapshots', NEW, 'tokenizer.json'))
    mkdirSync(join(cache, 'datasets--org--data', 'snapshots', NEW), { recursive: true })

    const found = findCachedModels(cache)
    expect(found.map((m) => [m.repo, m.commit, m.refs])).toEqual([['org/one', OLD, ['main']]])
    expect(found[0].path).toBe(old)
    expect(found[0].sizeBytes).toBeGreaterThan(0)
    expect(missingModelFiles(half)).toEqual([shard])
    expect(missingModelFiles(join(cache, 'models--org--no-tokenizer', 'snapshots', NEW))).toEqual(['tokenizer.json'])
  })

  test('cachedSnapshot: a commit as itself, a branch through refs/, an unknown revision null', () => {
    temp = makeTempDir()
    const model = writeTinyModel(join(temp.dir, 'src'), 'gpt2')
    const dir = snapshot(temp.dir, 'org/m', NEW, model.dir)
    expect(cachedSnapshot(temp.dir, 'model', 'org/m', NEW)).toBe(dir)
    expect(cachedSnapshot(temp.dir, 'model', 'org/m', 'main')).toBeNull()
    mkdirSync(join(temp.dir, 'models--org--m', 'refs'), { recursive: true })
    writeFileSync(join(temp.dir, 'models--org--m', 'refs', 'main'), `${NEW}\n`)
    expect(cachedCommit(temp.dir, 'model', 'org/m', 'main')).toBe(NEW)
    expect(cachedSnapshot(temp.dir, 'model', 'org/m', 'main')).toBe(dir)
    expect(cachedSnapshot(temp.dir, 'model', 'org/other', NEW)).toBeNull()
  })
})
