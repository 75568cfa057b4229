// `datasets import` says what is really wrong: a number out of range is not a file name, a
// named pipe is not an empty file, and a full disk is named as such, with nothing registered.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore } from '../../../main/store'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { canMountTmpfs } from '../../helpers/tmpfs'
import { writeTinyModel } from './model-folder'

let temp: { dir: string; remove: () => void }
beforeEach(() => (temp = makeTempDir('ms-import-refusals-')))
afterEach(() => temp.remove())

const run = (args: string[]) => runCli(args, { home: join(temp.dir, 'home') })

function promptCompletionFile(rows: number): string {
  const path = join(temp.dir, 'train.jsonl')
  const lines = Array.from({ length: rows }, (_, i) => JSON.stringify({ prompt: `question ${i}: ${'why is the sky blue? '.repeat(4)}`, completion: `answer ${i}: ${'light scatters. '.repeat(4)}` }))
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

describe('datasets import --validation', () => {
  it.each(['1.5', '0', '-0.1', '1.0', '50%'])('refuses %s as a number out of range instead of looking for a file of that name', async (value) => {
    const result = await run(['datasets', 'import', promptCompletionFile(4), `--validation=${value}`])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`--validation ${value}: a fraction must be between 0 and 1 (e.g. 0.05), a count a whole number of examples`)
    expect(result.stderr).toContain(`a file named ${value} is given as ./${value}`)
    expect(result.stderr).not.toMatch(/no such file/)
  })

  it('still takes a fraction, a count, and a file path written as one', async () => {
    const file = promptCompletionFile(8)
    expect((await run(['datasets', 'import', file, '--validation', '0.25', '--json'])).code).toBe(0)
    expect((await run(['datasets', 'import', file, '--validation', '2', '--json'])).code).toBe(0)
    const path = await run(['datasets', 'import', file, '--validation', './1.5'])
    expect(path.code).toBe(1)
    expect(path.stderr).toContain(`${resolve('1.5')}: no such file`)
  })
})

describe.skipIf(process.platform === 'win32')('datasets import of a named pipe', () => {
  it('says it is not a regular file, not that it is empty', async () => {
    const fifo = join(temp.dir, 'rows.jsonl')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    const result = await run(['datasets', 'import', fifo])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${fifo}: is not a regular file (it is a named pipe (FIFO)); save the data to a file and import that`)
    expect(result.stderr).not.toMatch(/empty/)
  })
})

describe.skipIf(!canMountTmpfs())('datasets import onto a full disk', () => {
  it('says the disk is full, names the folder, removes the partial cache and registers nothing', () => {
    const home = join(temp.dir, 'home')
    const after = join(temp.dir, 'home-after') // the tmpfs goes with its namespace: its files are copied out
    mkdirSync(home)
    const model = writeTinyModel(join(temp.dir, 'model'))
    // About 800 KB of tokenized cache against 512 KB of disk, of which the store takes some.
    const data = promptCompletionFile(4000)
    const cli = resolve('bin/mixture-studio.mjs')
    const script = `mount -t tmpfs -o size=512k tmpfs "$1" && MIXTURE_STUDIO_HOME="$1" "$2" "$3" datasets import "$4" --model "$5"; code=$?; cp -r "$1" "$6"; exit $code`
    const result = spawnSync('unshare', ['-Urm', 'sh', '-c', script, 'sh', home, process.execPath, cli, data, model, after], { encoding: 'utf8', timeout: 120_000 })
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(1)
    const cacheDir = join(home, 'datasets', 'cache')
    expect(result.stderr).toContain(
      `the disk is full: no room to write the tokenized cache in ${cacheDir}. The import stopped, its partly written file was removed and nothing was registered; ` +
        'free space on that disk (or set MIXTURE_STUDIO_HOME to a folder on a disk with room) and try again',
    )
    expect(result.stderr).not.toMatch(/datasetsImport failed|ENOSPC:|\n\s+at /)
    const afterCache = join(after, 'datasets', 'cache')
    expect(existsSync(afterCache) ? readdirSync(afterCache) : []).toEqual([])
    const store = openStore(after)
    try {
      expect(store.datasets.list()).toEqual([])
    } finally {
      store.close()
    }
  }, 120_000)
})
