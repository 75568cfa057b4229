import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FolderListing } from '../../../main/contract'
import { createServices, dispatchCall, type Services } from '../../../main/services'
import { makeTempDir } from '../../helpers/temp-dir'

// A home folder and a data folder side by side, and an "elsewhere" beside them that the browser
// must never show, however it is reached.
let temp: ReturnType<typeof makeTempDir>
let services: Services
let home: string
let dataDir: string
let elsewhere: string

beforeAll(() => {
  temp = makeTempDir('ms-files-')
  const base = realpathSync(temp.dir)
  home = join(base, 'home')
  dataDir = join(base, 'data')
  elsewhere = join(base, 'elsewhere')
  mkdirSync(join(home, 'models', 'tiny-qwen'), { recursive: true })
  writeFileSync(join(home, 'models', 'tiny-qwen', 'config.json'), '{}')
  mkdirSync(join(home, 'models', 'notes'))
  mkdirSync(join(home, 'data'))
  writeFileSync(join(home, 'data', 'train.jsonl'), '{"prompt":"a","completion":"b"}\n')
  writeFileSync(join(home, 'data', 'Train-10.CSV'), 'a,b\n')
  writeFileSync(join(home, 'data', 'train-9.csv'), 'a,b\n')
  writeFileSync(join(home, 'data', 'readme.md'), '# data\n')
  writeFileSync(join(home, 'data', '.hidden.jsonl'), '\n')
  mkdirSync(join(home, 'data', 'zz-folder'))
  mkdirSync(join(home, '.cache'))
  mkdirSync(elsewhere)
  writeFileSync(join(elsewhere, 'secret.txt'), 'not yours\n')
  symlinkSync(elsewhere, join(home, 'escape'))
  symlinkSync(join(home, 'data'), join(home, 'data-link'))
  symlinkSync(join(home, 'nowhere'), join(home, 'broken-link'))
  services = createServices({ dataDir, homeDir: home })
})
afterAll(async () => {
  await services.close()
  temp.remove()
})

async function list(input: Record<string, unknown>): Promise<FolderListing> {
  const result = await dispatchCall(services, 'filesList', input)
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`)
  return result.data as FolderListing
}

async function refusal(input: Record<string, unknown>): Promise<{ code: string; message: string }> {
  const result = await dispatchCall(services, 'filesList', input)
  if (result.ok) throw new Error(`expected a refusal, got a listing of ${(result.data as FolderListing).path}`)
  return result.error
}

describe('filesList', () => {
  it('starts at the home folder, offers the home and data folders as roots and goes no higher than a root', async () => {
    const listing = await list({})
    expect(listing.path).toBe(home)
    expect(listing.parent).toBeNull()
    expect(listing.roots).toEqual([{ label: 'Home', path: home }, { label: 'Data folder', path: dataDir }])
    expect((await list({ path: dataDir })).parent).toBeNull()
    expect((await list({ path: '~/models' })).parent).toBe(home)
  })

  it('lists folders first, then files, by name with numbers in order, hidden names only when asked, broken links left out', async () => {
    const listing = await list({ path: join(home, 'data') })
    expect(listing.entries.map((e) => e.name)).toEqual(['zz-folder', 'readme.md', 'train-9.csv', 'Train-10.CSV', 'train.jsonl'])
    const file = listing.entries.find((e) => e.name === 'train.jsonl')
    expect(file).toMatchObject({ kind: 'file', path: join(home, 'data', 'train.jsonl'), size: 32, looksLikeModel: false })
    expect(file?.modified).toBeGreaterThan(Date.now() - 60_000)
    expect(listing.entries[0]).toMatchObject({ kind: 'folder', size: null })
    expect((await list({ path: join(home, 'data'), showHidden: true })).entries.map((e) => e.name)).toContain('.hidden.jsonl')
    const top = (await list({ path: '~' })).entries.map((e) => e.name)
    expect(top).not.toContain('.cache')
    expect(top).not.toContain('broken-link')
  })

  it('lists only the files with the extensions asked for (any case), and only folders when a folder is chosen', async () => {
    const csv = await list({ path: join(home, 'data'), extensions: ['csv', '.JSONL'] })
    expect(csv.entries.map((e) => e.name)).toEqual(['zz-folder', 'train-9.csv', 'Train-10.CSV', 'train.jsonl'])
    const folders = await list({ path: join(home, 'data'), kind: 'folder' })
    expect(folders.entries.map((e) => e.name)).toEqual(['zz-folder'])
  })

  it('marks the folders that hold a config.json as models, the listed folder too', async () => {
    const models = await list({ path: '~/models', kind: 'folder' })
    expect(models.entries.map((e) => [e.name, e.looksLikeModel])).toEqual([['notes', false], ['tiny-qwen', true]])
    expect(models.looksLikeModel).toBe(false)
    expect((await list({ path: '~/models/tiny-qwen', kind: 'folder' })).looksLikeModel).toBe(true)
  })

  it('opens a file\'s folder with the file selected, and follows a link that stays inside home', async () => {
    const listing = await list({ path: join(home, 'data', 'train.jsonl') })
    expect(listing.path).toBe(join(home, 'data'))
    expect(listing.selected).toBe('train.jsonl')
    expect((await list({ path: '~/data-link' })).path).toBe(join(home, 'data'))
  })

  it('refuses a .. that climbs out of home, naming the folders it may show', async () => {
    // Written out, not joined: join would take the .. away before the call saw it.
    const error = await refusal({ path: `${home}/models/../../elsewhere` })
    expect(error.code).toBe('forbidden')
    expect((await refusal({ path: '~/../elsewhere' })).code).toBe('forbidden')
    expect(error.message).toBe(
      `${elsewhere} is outside the folders this browser shows: home ${home} and data folder ${dataDir}. ` +
      'Type the path into the field instead, or choose a folder inside these.')
  })

  it('refuses a link inside home that leads outside, by where it leads', async () => {
    const error = await refusal({ path: join(home, 'escape') })
    expect(error.code).toBe('forbidden')
    expect(error.message).toContain(`${join(home, 'escape')} (which leads to ${elsewhere}) is outside the folders this browser shows`)
    expect((await refusal({ path: join(home, 'escape', 'secret.txt') })).code).toBe('forbidden')
  })

  it('refuses an absolute path elsewhere on the machine', async () => {
    const error = await refusal({ path: '/etc' })
    expect(error.code).toBe('forbidden')
    expect(error.message).toMatch(/^\/etc is outside the folders this browser shows/)
  })

  it('says so when nothing is at the path', async () => {
    const error = await refusal({ path: '~/models/gone' })
    expect(error).toEqual({
      code: 'not_found',
      message: `There is no file or folder at ${join(home, 'models', 'gone')}. Check the path, or choose a folder from the list.`,
    })
  })
})

describe('filesReadConfig', () => {
  beforeAll(() => {
    mkdirSync(join(home, 'runs'))
    writeFileSync(join(home, 'runs', 'run.yaml'), 'model: ../models/tiny-qwen\n')
    writeFileSync(join(home, 'runs', 'big.yaml'), `# ${'x'.repeat(1024 * 1024)}\n`)
    writeFileSync(join(elsewhere, 'run.yaml'), 'model: /etc\n')
    symlinkSync(join(elsewhere, 'run.yaml'), join(home, 'runs', 'linked.yaml'))
  })

  async function read(path: string) {
    return dispatchCall(services, 'filesReadConfig', { path })
  }

  it('answers a configuration\'s text and the folder its relative paths start from', async () => {
    const result = await read('~/runs/run.yaml')
    expect(result).toEqual({ ok: true, data: { path: join(home, 'runs', 'run.yaml'), name: 'run.yaml', folder: join(home, 'runs'), text: 'model: ../models/tiny-qwen\n' } })
  })

  it('refuses a file outside home and the data folder, through a link too, and anything that is not a configuration', async () => {
    const outside = await read(join(elsewhere, 'run.yaml'))
    expect(outside.ok ? null : outside.error.code).toBe('forbidden')
    const linked = await read('~/runs/linked.yaml')
    expect(linked.ok ? null : linked.error.message).toContain(`(which leads to ${join(elsewhere, 'run.yaml')}) is outside the folders this browser shows`)
    const notYaml = await read('~/data/train.jsonl')
    expect(notYaml.ok ? null : notYaml.error.message).toBe(`${join(home, 'data', 'train.jsonl')} is not a run configuration: Load YAML reads .yaml, .yml and .json files.`)
    const folder = await read('~/runs')
    expect(folder.ok ? null : folder.error.message).toMatch(/is a folder: choose a run configuration file/)
    const big = await read('~/runs/big.yaml')
    expect(big.ok ? null : big.error.message).toMatch(/big\.yaml is 1025 KiB, more than a run configuration holds \(at most 1024 KiB\)/)
  })
})
