// An export onto a disk that fills up part-way: `export --force` over a previous export on a small
// tmpfs, with room for about half of the new one. The export must say the disk is full and where,
// leave the previous export byte for byte as it was, and leave no temporary folder taking the room.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPORT_FORMATS, exportAdapter } from '../../../main/export'
import { openModel, type OpenedModel } from '../../../main/models'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { canMountTmpfs } from '../../helpers/tmpfs'
import { folderBytes, writeRandomAdapter } from './support'

/** tmpfs counts whole pages. */
const PAGE_BYTES = 4096

let tmp: ReturnType<typeof makeTempDir>
let model: OpenedModel
beforeAll(() => {
  tmp = makeTempDir('ms-export-full-disk-')
  model = openModel(writeTinyModel(join(tmp.dir, 'base'), 'llama').dir)
})
afterAll(() => tmp.remove())

function pagesOf(dir: string): number {
  return readdirSync(dir).reduce((pages, name) => pages + Math.ceil(statSync(join(dir, name)).size / PAGE_BYTES), 0)
}

describe.skipIf(!canMountTmpfs())('export onto a disk that fills up', () => {
  // The adapter formats; the cluster job (torchrun) is exported from a run, and its own test fills a disk too (torchrun/job-export.test.ts).
  it.each(EXPORT_FORMATS.filter((f) => f !== 'torchrun'))('%s: says the disk is full and where, and leaves the previous export as it was', async (format) => {
    const previous = join(tmp.dir, `previous-${format}`)
    await exportAdapter({ adapterDir: writeRandomAdapter(join(tmp.dir, `first-${format}`), model, { method: 'lora', rank: 2 }).dir }, { format, out: previous })
    // Another adapter, so that a replacement that went through would change the weights.
    const next = writeRandomAdapter(join(tmp.dir, `next-${format}`), model, { method: 'lora', rank: 2 }, 6)
    const disk = join(tmp.dir, `disk-${format}`)
    const after = join(tmp.dir, `after-${format}`) // the tmpfs goes with its namespace: its files are copied out
    mkdirSync(disk)
    const out = join(disk, 'export')
    // Room for the previous export and about half of the new one.
    const pages = pagesOf(previous)
    const size = (pages + Math.floor(pages / 2)) * PAGE_BYTES
    const script =
      `mount -t tmpfs -o size=${size} tmpfs "$1" && cp -r "$2" "$3" && ` +
      `MIXTURE_STUDIO_HOME="$4" "$5" "$6" export "$7" --format "$8" --out "$3" --force; code=$?; cp -r "$1" "$9"; exit $code`
    const cli = resolve('bin/mixture-studio.mjs')
    const args = [disk, previous, out, join(tmp.dir, 'home'), process.execPath, cli, next.dir, format, after]
    const result = spawnSync('unshare', ['-Urm', 'sh', '-c', script, 'sh', ...args], { encoding: 'utf8', timeout: 120_000 })

    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(1)
    expect(result.stderr).toContain(
      `the disk is full: no room to write the ${format} export in ${out}. The export stopped, its partly written files were removed and ${out} was left as it was; ` +
        'free space on that disk, or export to a folder on a disk with room, and try again',
    )
    expect(result.stderr).not.toMatch(/runsExport failed|ENOSPC:|\n\s+at /)
    expect(readdirSync(after)).toEqual(['export'])
    expect(folderBytes(join(after, 'export'))).toEqual(folderBytes(previous))
  }, 120_000)
})
