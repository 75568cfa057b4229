// The Export dialog's default destination: a folder that does not exist yet, under Documents (or
// home)/Mixture Studio exports, never in the data folder. It used to be <run folder>/export, in the
// data folder, where a second export with "Replace a previous export" ticked is refused.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportAdapter } from '../../../main/export'
import { EXPORTS_FOLDER_NAME, folderName, suggestExportFolder } from '../../../main/export/suggested-folder'
import { openModel } from '../../../main/models'
import { dispatchCall } from '../../../main/services'
import { runFolder } from '../../../main/train/run-training'
import { makeTempDir } from '../../helpers/temp-dir'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writeRandomAdapter } from './support'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir('ms-export-suggested-')))
afterAll(() => tmp.remove())

function homeFolder(name: string, { documents }: { documents: boolean }): string {
  const home = join(tmp.dir, name)
  mkdirSync(documents ? join(home, 'Documents') : home, { recursive: true })
  return home
}

describe('suggestExportFolder', () => {
  it('suggests <Documents>/Mixture Studio exports/<run name>-<format>, creating nothing', () => {
    const home = homeFolder('with-documents', { documents: true })
    const path = suggestExportFolder('mov run', 'onnx', { home, dataDir: join(tmp.dir, 'data') })
    expect(path).toBe(join(home, 'Documents', EXPORTS_FOLDER_NAME, 'mov run-onnx'))
    expect(existsSync(join(home, 'Documents', EXPORTS_FOLDER_NAME))).toBe(false)
  })

  it('uses the home folder when it has no Documents', () => {
    const home = homeFolder('no-documents', { documents: false })
    expect(suggestExportFolder('r', 'native', { home, dataDir: join(tmp.dir, 'data') })).toBe(join(home, EXPORTS_FOLDER_NAME, 'r-native'))
  })

  it('takes the next free name, -2, -3 ..., when a folder or file has the name', () => {
    const home = homeFolder('taken', { documents: true })
    const exports = join(home, 'Documents', EXPORTS_FOLDER_NAME)
    mkdirSync(join(exports, 'r-peft'), { recursive: true })
    expect(suggestExportFolder('r', 'peft', { home, dataDir: join(tmp.dir, 'data') })).toBe(join(exports, 'r-peft-2'))
    writeFileSync(join(exports, 'r-peft-2'), '')
    expect(suggestExportFolder('r', 'peft', { home, dataDir: join(tmp.dir, 'data') })).toBe(join(exports, 'r-peft-3'))
    expect(suggestExportFolder('r', 'merged', { home, dataDir: join(tmp.dir, 'data') })).toBe(join(exports, 'r-merged'))
  })

  it('is never inside the data folder, even when the home folder is', () => {
    const dataDir = join(tmp.dir, 'data-above-home')
    const home = join(dataDir, 'users', 'me')
    mkdirSync(join(home, 'Documents'), { recursive: true })
    expect(suggestExportFolder('r', 'native', { home, dataDir })).toBe(join(tmp.dir, EXPORTS_FOLDER_NAME, 'r-native'))
  })

  it.each([
    ['a/b\\c:d*e?"f"<g>|h', 'a-b-c-d-e-f-g-h'],
    ['..', 'run'],
    ['.hidden run. ', 'hidden run'],
    ['tab\there', 'tab-here'],
    ['demo: MoV', 'demo-MoV'],
    ['', 'run'],
    ['x'.repeat(200), 'x'.repeat(80)],
  ])('makes the run name %j a folder name (%j)', (name, folder) => {
    expect(folderName(name)).toBe(folder)
  })
})

describe('runsSuggestExportFolder', () => {
  const temp = useTempServices('ms-export-suggest-call-')
  let savedHome: string | undefined
  let home: string
  beforeAll(() => {
    savedHome = process.env.HOME
    home = homeFolder('services-home', { documents: true })
    process.env.HOME = home // os.homedir() reads it
  })
  afterAll(() => {
    if (savedHome === undefined) delete process.env.HOME
    else process.env.HOME = savedHome
  })

  it('exporting twice to the suggested place works: the second suggestion is a fresh folder, and replacing the first is allowed', async () => {
    const { store } = temp.services
    const model = openModel(writeTinyModel(join(temp.dir, 'model'), 'llama').dir)
    const run = store.runs.create({ name: 'lora run', config: { model: model.info.dir, adapter: { method: 'lora' } }, method: 'lora' })
    writeRandomAdapter(join(runFolder(temp.dataDir, run.id), 'adapter'), model, { method: 'lora', rank: 2 })
    const context = { store, dataDir: temp.dataDir }

    const first = await dispatchCall(temp.services, 'runsSuggestExportFolder', { runId: run.id, format: 'native' })
    const suggested = join(home, 'Documents', EXPORTS_FOLDER_NAME, 'lora run-native')
    expect(first).toEqual({ ok: true, data: { path: suggested } })
    await exportAdapter({ runId: run.id }, { format: 'native', out: suggested }, context)

    const second = await dispatchCall(temp.services, 'runsSuggestExportFolder', { runId: run.id, format: 'native' })
    expect(second).toEqual({ ok: true, data: { path: `${suggested}-2` } })
    await exportAdapter({ runId: run.id }, { format: 'native', out: `${suggested}-2` }, context)
    // "Replace a previous export" on the first suggestion: a marked export outside the data folder.
    const replaced = await exportAdapter({ runId: run.id }, { format: 'native', out: suggested, overwrite: true }, context)
    expect(replaced.path).toBe(suggested)
    expect(store.artifacts.listExports(run.id)).toHaveLength(3)
  })

  it('answers not_found for a run that does not exist', async () => {
    const result = await dispatchCall(temp.services, 'runsSuggestExportFolder', { runId: 'nope', format: 'onnx' })
    expect(result).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('There is no run nope') } })
  })
})
