import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SettingsState } from '../../../main/contract'
import { createServices, dispatchCall, type Services } from '../../../main/services'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
let services: Services
let file: string

beforeEach(() => {
  temp = makeTempDir('ms-settings-')
  services = createServices({ dataDir: temp.dir })
  file = join(temp.dir, 'settings.json')
})
afterEach(async () => {
  await services.close()
  temp.remove()
})

async function call(name: 'settingsGet' | 'settingsSet' | 'dialogOpenFile', input: unknown) {
  return dispatchCall(services, name, input)
}

async function state(name: 'settingsGet' | 'settingsSet', input: unknown): Promise<SettingsState> {
  const result = await call(name, input)
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`)
  return result.data as SettingsState
}

describe('settings', () => {
  it('are the defaults, with the data folder, before anything is saved (and nothing is written)', async () => {
    expect(await state('settingsGet', {})).toEqual({
      settings: { theme: 'system', defaultDevice: 'auto', curveSmoothing: 0.6, walkthroughDismissed: false, runsAtOncePerDevice: 1, notifyWhenDone: true },
      dataDir: temp.dir,
      file,
      problem: null,
    })
    expect(existsSync(file)).toBe(false)
  })

  it('persist a change across a restart, keeping the fields not changed', async () => {
    await state('settingsSet', { theme: 'dark' })
    await state('settingsSet', { defaultDevice: 'cpu' })
    await state('settingsSet', { curveSmoothing: 0 })
    await state('settingsSet', { walkthroughDismissed: true })
    await state('settingsSet', { runsAtOncePerDevice: 2 })
    await state('settingsSet', { notifyWhenDone: false })
    await services.close()
    services = createServices({ dataDir: temp.dir })
    expect((await state('settingsGet', {})).settings).toEqual({ theme: 'dark', defaultDevice: 'cpu', curveSmoothing: 0, walkthroughDismissed: true, runsAtOncePerDevice: 2, notifyWhenDone: false })
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ theme: 'dark', defaultDevice: 'cpu', curveSmoothing: 0, walkthroughDismissed: true, runsAtOncePerDevice: 2, notifyWhenDone: false })
    // Written through a temporary file and a rename: nothing is left beside it.
    expect(readdirSync(temp.dir).filter((name) => name.startsWith('settings'))).toEqual(['settings.json'])
  })

  it('refuse unknown values and unknown fields, naming them, and change nothing', async () => {
    const badValue = await call('settingsSet', { theme: 'purple' })
    expect(badValue.ok).toBe(false)
    expect(!badValue.ok && badValue.error.issues?.[0].path).toBe('theme')
    const tooSmooth = await call('settingsSet', { curveSmoothing: 1 })
    expect(!tooSmooth.ok && tooSmooth.error.issues?.[0].path).toBe('curveSmoothing')
    const unknownField = await call('settingsSet', { fontSize: 14 })
    expect(!unknownField.ok && unknownField.error.code).toBe('invalid_input')
    const empty = await call('settingsSet', {})
    expect(!empty.ok && empty.error.message).toContain('at least one setting')
    expect(existsSync(file)).toBe(false)
  })

  it('use the defaults for a damaged file, say so, and keep the damaged file aside when saving over it', async () => {
    writeFileSync(file, '{"theme": "dark",')
    const damaged = await state('settingsGet', {})
    expect(damaged.settings.theme).toBe('system')
    expect(damaged.problem).toContain(`${file} is not valid JSON`)
    const saved = await state('settingsSet', { defaultDevice: 'cuda' })
    expect(saved.problem).toBeNull()
    expect(saved.settings).toEqual({ theme: 'system', defaultDevice: 'cuda', curveSmoothing: 0.6, walkthroughDismissed: false, runsAtOncePerDevice: 1, notifyWhenDone: true })
    expect(readFileSync(`${file}.damaged`, 'utf8')).toBe('{"theme": "dark",')
  })

  it('keep the good fields of a file with a bad value, and the fields a newer version wrote', async () => {
    writeFileSync(file, JSON.stringify({ theme: 'dark', defaultDevice: 'tpu', curveSmoothing: 2, walkthroughDismissed: 'yes', runsAtOncePerDevice: 0, sidebarWidth: 300 }))
    const read = await state('settingsGet', {})
    expect(read.settings).toEqual({ theme: 'dark', defaultDevice: 'auto', curveSmoothing: 0.6, walkthroughDismissed: false, runsAtOncePerDevice: 1, notifyWhenDone: true })
    expect(read.problem).toContain('"defaultDevice": "tpu" is not one of auto, cpu, cuda, webgpu, dml')
    expect(read.problem).toContain('"curveSmoothing": 2 is not a number from 0 to 0.99')
    expect(read.problem).toContain('"walkthroughDismissed": "yes" is not true or false')
    expect(read.problem).toContain('"runsAtOncePerDevice": 0 is not a number from 1 to 8')
    await state('settingsSet', { theme: 'light' })
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ theme: 'light', defaultDevice: 'auto', curveSmoothing: 0.6, walkthroughDismissed: false, runsAtOncePerDevice: 1, notifyWhenDone: true, sidebarWidth: 300 })
  })

  it('that are a folder named settings.json: read as the defaults with the problem named, saving refused clearly (not an internal error)', async () => {
    mkdirSync(file)
    const read = await state('settingsGet', {})
    expect(read.settings).toEqual({ theme: 'system', defaultDevice: 'auto', curveSmoothing: 0.6, walkthroughDismissed: false, runsAtOncePerDevice: 1, notifyWhenDone: true })
    expect(read.problem).toContain(`${file} is a folder, not a file`)
    const saved = await call('settingsSet', { theme: 'dark' })
    expect(saved).toEqual({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining(`Settings were not saved: ${file} is a folder, not a file`) },
    })
    expect(readdirSync(file)).toEqual([])
  })

  it('have no file picker outside the desktop app', async () => {
    const result = await call('dialogOpenFile', { title: 'Choose a dataset' })
    expect(result).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'There is no file picker in web mode: type the path of the file instead.' },
    })
  })

  it('use the desktop app picker when one is given', async () => {
    await services.close()
    const asked: unknown[] = []
    services = createServices({
      dataDir: temp.dir,
      openFileDialog: async (input) => {
        asked.push(input)
        return { path: '/data/train.jsonl' }
      },
    })
    const result = await call('dialogOpenFile', { filters: [{ name: 'Datasets', extensions: ['jsonl'] }] })
    expect(result).toEqual({ ok: true, data: { path: '/data/train.jsonl' } })
    expect(asked).toEqual([{ directory: false, filters: [{ name: 'Datasets', extensions: ['jsonl'] }] }])
  })
})
