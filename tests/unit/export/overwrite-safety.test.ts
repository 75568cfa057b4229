// Replacing a folder (overwrite) can never delete anything but a previous export of the same
// format: not the studio's data folder nor anything inside or above it, not the home folder or a
// filesystem root, not a model or dataset the studio knows, not a folder an export did not write.
// Each refusal is checked to have left every file where it was.
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, parse, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPORT_MARKER_FILE, exportAdapter, type ExportFormat, type ExportSource } from '../../../main/export'
import { writeFolderAtomically } from '../../../main/export/atomic-folder'
import { readExportMarker } from '../../../main/export/export-marker'
import { checkExportTarget } from '../../../main/export/export-target'
import { openModel, type OpenedModel } from '../../../main/models'
import { openStore, type Store } from '../../../main/store'
import { ADAPTER_WEIGHTS_FILE } from '../../../main/train/adapter-files'
import { runFolder } from '../../../main/train/run-training'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'
import { writeRandomAdapter } from './support'

let tmp: ReturnType<typeof makeTempDir>
let model: OpenedModel
let store: Store
let dataDir: string
let runId: string
let context: { store: Store; dataDir: string }
let otherModelDir: string
let outsideAdapter: string
let datasetFile: string

beforeAll(() => {
  tmp = makeTempDir('ms-export-overwrite-')
  model = openModel(writeTinyModel(join(tmp.dir, 'base'), 'llama').dir)
  dataDir = join(tmp.dir, 'studio', 'data')
  store = openStore(dataDir)
  context = { store, dataDir }
  const run = store.runs.create({ name: 'lora run', config: { model: model.info.dir, adapter: { method: 'lora' } }, method: 'lora' })
  runId = run.id
  writeRandomAdapter(join(runFolder(dataDir, run.id), 'adapter'), model, { method: 'lora', rank: 2 })
  outsideAdapter = writeRandomAdapter(join(tmp.dir, 'adapters', 'copy'), model, { method: 'lora', rank: 2 }).dir
  otherModelDir = writeTinyModel(join(tmp.dir, 'models', 'other'), 'gpt2').dir
  store.catalog.addModel({ name: 'other', path: otherModelDir, architecture: 'GPT2LMHeadModel', config: {} })
  mkdirSync(join(tmp.dir, 'datasets'))
  datasetFile = writePromptCompletionFile(join(tmp.dir, 'datasets', 'greetings.jsonl'), 4)
  store.catalog.addDataset({ name: 'greetings', path: datasetFile, format: 'prompt-completion', numExamples: 4 })
})
afterAll(() => {
  store.close()
  tmp.remove()
})

/** Every file under `dir`, with its size and modification time: a deletion or rewrite shows. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (!/studio\.db-(wal|shm)$/.test(entry.name)) files[relative(dir, path)] = `${statSync(path).size}@${statSync(path).mtimeMs}`
    }
  }
  walk(dir)
  return files
}

/** Exports over `out` with overwrite (the run, or another source); expects the refusal and every file under `watched` as it was. */
async function expectRefused(out: string, reason: RegExp, format: ExportFormat = 'native', source: ExportSource = { runId }, watched = tmp.dir): Promise<void> {
  const before = snapshot(watched)
  await expect(exportAdapter(source, { format, out, overwrite: true }, context)).rejects.toThrow(reason)
  expect(snapshot(watched)).toEqual(before)
  expect(readdirSync(dirname(out)).filter((name) => /\.(export|replaced)-/.test(name))).toEqual([])
}

describe('overwrite never deletes what is not a previous export', () => {
  it("refuses the data folder itself: studio.db and the runs stay", async () => {
    await expectRefused(dataDir, /is Mixture Studio's data folder, which holds its database and every run; an export never replaces it\. Choose a new folder/, 'onnx')
    // An adapter folder from outside the data folder: nothing the export reads is in it, yet it is refused.
    await expectRefused(dataDir, /is Mixture Studio's data folder/, 'native', { adapterDir: outsideAdapter })
    expect(statSync(join(dataDir, 'studio.db')).isFile()).toBe(true)
    expect(store.runs.get(runId)).not.toBeNull()
  })

  it('refuses a folder inside the data folder, even a previous export there', async () => {
    await expectRefused(join(dataDir, 'runs'), /is inside Mixture Studio's data folder/)
    await expectRefused(runFolder(dataDir, runId), /is inside Mixture Studio's data folder/)
    // A new folder inside it is written (the Export dialog suggests <run folder>/export) but never replaced.
    const inRun = join(runFolder(dataDir, runId), 'export')
    await exportAdapter({ runId }, { format: 'native', out: inRun }, context)
    await expectRefused(inRun, /is inside Mixture Studio's data folder/)
  })

  it('refuses a folder holding the data folder', async () => {
    await expectRefused(join(tmp.dir, 'studio'), /holds Mixture Studio's data folder/)
    await expectRefused(join(tmp.dir, 'studio'), /holds Mixture Studio's data folder/, 'native', { adapterDir: outsideAdapter })
  })

  it('refuses a link to the data folder (links are resolved)', async () => {
    const link = join(tmp.dir, 'link-to-data')
    symlinkSync(dataDir, link, 'dir')
    await expectRefused(link, /link-to-data \(a link to .*data\) is Mixture Studio's data folder/)
  })

  it('refuses the home folder and a folder holding it', async () => {
    const home = join(tmp.dir, 'users', 'someone')
    mkdirSync(home, { recursive: true })
    writeFileSync(join(home, 'thesis.tex'), 'years of work')
    const realHome = process.env.HOME
    process.env.HOME = home
    try {
      await expectRefused(home, /is your home folder; an export never replaces it/)
      await expectRefused(join(tmp.dir, 'users'), /holds your home folder/)
    } finally {
      process.env.HOME = realHome
    }
    expect(readFileSync(join(home, 'thesis.tex'), 'utf8')).toBe('years of work')
  })

  it('refuses a filesystem root (checked without writing anything)', () => {
    const root = parse(tmp.dir).root
    expect(() => checkExportTarget(root, { format: 'native', overwrite: true, reads: [], studio: null })).toThrow(/is the root of a filesystem; an export never replaces it/)
  })

  it('refuses a model folder the studio knows, and a folder holding one', async () => {
    await expectRefused(otherModelDir, /is the folder of model other; an export never replaces it/)
    await expectRefused(join(tmp.dir, 'models'), /holds the folder of model other/)
  })

  it("refuses a known dataset's folder", async () => {
    await expectRefused(dirname(datasetFile), /is the folder of dataset greetings \(.*greetings\.jsonl\)/)
  })

  it('refuses a folder no export wrote (no marker)', async () => {
    const mine = join(tmp.dir, 'out', 'mine')
    mkdirSync(mine, { recursive: true })
    writeFileSync(join(mine, 'notes.txt'), 'mine')
    await expectRefused(mine, /is not replaced: it is not a folder an earlier export wrote \(it has no \.mixture-studio-export\.json\)/)
  })

  it('refuses a previous export of another format', async () => {
    const out = join(tmp.dir, 'out', 'was-peft')
    await exportAdapter({ runId }, { format: 'peft', out }, context)
    await expectRefused(out, /it holds an export in peft format, and this one is native/)
  })

  it('refuses a previous export holding files the export did not write', async () => {
    const out = join(tmp.dir, 'out', 'with-notes')
    await exportAdapter({ runId }, { format: 'native', out }, context)
    writeFileSync(join(out, 'eval-results.md'), 'my results')
    await expectRefused(out, /besides a previous native export it holds eval-results\.md, which the export did not write/)
  })
})

describe('replacing a previous export', () => {
  it.each(['native', 'peft', 'onnx', 'merged'] as const)('a %s export is marked, and a later one replaces it whole', async (format) => {
    const parent = join(tmp.dir, 'replace', format)
    const out = join(parent, 'export')
    const first = await exportAdapter({ runId }, { format, out }, context)
    const marker = readExportMarker(out)
    expect(marker).toMatchObject({ kind: 'mixture-studio-export', format, runId, files: first.files.map((f) => relative(out, f.path)).sort() })
    expect(first.files.map((f) => f.path)).not.toContain(join(out, EXPORT_MARKER_FILE))

    const card = join(out, 'README.md')
    writeFileSync(card, 'stale card')
    const second = await exportAdapter({ runId }, { format, out, overwrite: true }, context)
    expect(second.path).toBe(out)
    expect(readFileSync(card, 'utf8')).not.toBe('stale card')
    expect(readdirSync(parent)).toEqual(['export'])
    expect(store.artifacts.listExports(runId).filter((e) => e.path === out).map((e) => e.format)).toEqual([format, format])
  })

  it('an empty existing folder is written without overwrite', async () => {
    const out = join(tmp.dir, 'out', 'empty')
    mkdirSync(out, { recursive: true })
    const result = await exportAdapter({ runId }, { format: 'native', out }, context)
    expect(readdirSync(out).sort()).toEqual([EXPORT_MARKER_FILE, 'README.md', 'adapter_config.json', ADAPTER_WEIGHTS_FILE])
    expect(result.files).toHaveLength(3)
  })

  it('a file saved into the old export while the new one is written keeps the old one in place', async () => {
    const parent = join(tmp.dir, 'replace', 'racing')
    const out = join(parent, 'export')
    await exportAdapter({ runId }, { format: 'native', out }, context)
    const before = snapshot(out)
    const rules = { format: 'native' as const, overwrite: true, reads: [], studio: null, marker: { runId, createdAt: new Date() } }
    const attempt = writeFolderAtomically(out, rules, async (dir) => {
      writeFileSync(join(dir, 'README.md'), 'new export')
      writeFileSync(join(out, 'saved-meanwhile.txt'), 'the user wrote this during the export')
    })
    await expect(attempt).rejects.toThrow(/changed while exporting and was left as it is \(besides a previous native export it holds saved-meanwhile\.txt/)
    expect(snapshot(out)).toEqual({ ...before, 'saved-meanwhile.txt': expect.any(String) })
    expect(readdirSync(parent)).toEqual(['export'])
  })
})
