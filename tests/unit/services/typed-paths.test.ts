// Paths typed into the app's fields (model folder, data and validation files, evaluation sets,
// export folder) arrive as typed: `~/x` is the user's home folder there as it is in a shell.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract/run-config'
import { resolveEvaluation } from '../../../main/evaluations/prepare'
import { expandHome, resolveTypedPath } from '../../../main/runtime/typed-path'
import { dispatchCall } from '../../../main/services'
import { absoluteConfigPaths } from '../../../main/services/runs'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'

describe('expandHome', () => {
  it('reads a leading ~ as the home folder, and leaves every other path as typed', () => {
    expect(expandHome('~', '/home/ada')).toBe('/home/ada')
    expect(expandHome('~/', '/home/ada')).toBe('/home/ada')
    expect(expandHome('~/data/train.jsonl', '/home/ada')).toBe('/home/ada/data/train.jsonl')
    expect(expandHome('/srv/~/x', '/home/ada')).toBe('/srv/~/x')
    expect(expandHome('data/~x', '/home/ada')).toBe('data/~x')
    expect(expandHome('~bob/x', '/home/ada')).toBe('~bob/x')
  })

  it('makes a typed path absolute against the given folder once ~ is expanded', () => {
    expect(resolveTypedPath('~/m', '/work', '/home/ada')).toBe('/home/ada/m')
    expect(resolveTypedPath('m', '/work', '/home/ada')).toBe('/work/m')
  })
})

describe('typed paths through the services', () => {
  const temp = useTempServices('ms-typed-paths-')
  let home: string
  let savedHome: string | undefined
  beforeEach(() => {
    // os.homedir() reads HOME on each call: the test's own folder stands in for the user's home.
    savedHome = process.env.HOME
    home = join(temp.dir, 'user')
    mkdirSync(home, { recursive: true })
    process.env.HOME = home
  })
  afterEach(() => {
    if (savedHome === undefined) delete process.env.HOME
    else process.env.HOME = savedHome
  })

  it('imports a model folder typed as ~/...', async () => {
    writeTinyModel(join(home, 'models', 'tiny'), 'llama')
    const result = await dispatchCall(temp.services, 'modelsImport', { path: '~/models/tiny' })
    expect(result).toMatchObject({ ok: true, data: { path: join(home, 'models', 'tiny') } })
  })

  it('previews and imports data and validation files typed as ~/...', async () => {
    const row = (i: number) => JSON.stringify({ prompt: `Question ${i}?`, completion: `Answer ${i}.` })
    writeFileSync(join(home, 'train.jsonl'), `${[1, 2, 3, 4].map(row).join('\n')}\n`)
    writeFileSync(join(home, 'val.jsonl'), `${[5, 6].map(row).join('\n')}\n`)
    const preview = await dispatchCall(temp.services, 'datasetsPreview', { path: '~/train.jsonl' })
    expect(preview).toMatchObject({ ok: true, data: { source: { path: join(home, 'train.jsonl') } } })
    const imported = await dispatchCall(temp.services, 'datasetsImport', { path: '~/train.jsonl', validation: { kind: 'file', path: '~/val.jsonl' } })
    expect(imported).toMatchObject({ ok: true, data: { path: join(home, 'train.jsonl'), numValidation: 2 } })
  })

  it('estimates and tries in the Playground a model folder typed as ~/...', async () => {
    writeTinyModel(join(home, 'models', 'chosen'), 'llama')
    writeFileSync(join(home, 'rows.jsonl'), `${JSON.stringify({ prompt: 'Hi', completion: 'Hello.' })}\n`)
    const config = { model: '~/models/chosen', data: { train: '~/rows.jsonl', max_length: 32 }, adapter: { method: 'lora' }, device: 'cpu' }
    const estimate = await dispatchCall(temp.services, 'runsEstimate', { config })
    expect(estimate.ok, JSON.stringify(estimate)).toBe(true)
    const answer = await dispatchCall(temp.services, 'playgroundGenerate', { modelPath: '~/models/chosen', prompt: 'the sea is', maxTokens: 2, device: 'cpu' })
    expect(answer.ok, JSON.stringify(answer)).toBe(true)
  })

  it('evaluates a model folder and a set file typed as ~/...', () => {
    writeTinyModel(join(home, 'eval-model'), 'llama')
    writeFileSync(join(home, 'arc.jsonl'), `${JSON.stringify({ prompt: 'Pick one', choices: ['a', 'b'], answer: 0 })}\n`)
    const { config } = resolveEvaluation(
      { model: '~/eval-model', runs: [], includeBase: true, sets: [{ name: 'arc', file: '~/arc.jsonl' }], lengthNormalize: false },
      temp.services.store, temp.dataDir,
    )
    expect(config.model.path).toBe(join(home, 'eval-model'))
    expect(config.sets[0].file).toBe(join(home, 'arc.jsonl'))
  })

  it('exports into a folder typed as ~/...', async () => {
    const result = await dispatchCall(temp.services, 'runsExport', { adapterDir: '~/no-such-adapter', format: 'native', out: '~/exported' })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.message).toContain(join(home, 'no-such-adapter'))
  })

  it('makes a run configuration\'s paths absolute with ~ expanded, eval sets included', () => {
    const config = RunConfig.parse({
      model: '~/models/tiny',
      data: { train: '~/train.jsonl', validation: 'val.jsonl' },
      adapter: { method: 'lora', init: '~/adapters/start' },
      eval: { sets: [{ name: 'arc', data: '~/arc.jsonl' }] },
    })
    const absolute = absoluteConfigPaths(config, '/work/runs')
    expect(absolute.model.path).toBe(join(home, 'models', 'tiny'))
    expect(absolute.data.train).toBe(join(home, 'train.jsonl'))
    expect(absolute.data.validation).toBe('/work/runs/val.jsonl')
    expect(absolute.adapter.init).toBe(join(home, 'adapters', 'start'))
    expect(absolute.eval.sets[0].data).toBe(join(home, 'arc.jsonl'))
  })
})
