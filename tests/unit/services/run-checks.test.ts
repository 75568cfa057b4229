// The checks before Start: a run sure to fail is refused by runsStart before it is created (no run
// recorded), each problem on its field in words; runsCheck answers the same findings to the New run
// form, and warns (without refusing) when the run needs more memory than the machine has free.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { totalmem } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ApiCallError, RunConfig, type RunConfigInput } from '../../../main/contract'
import { openModel } from '../../../main/models'
import { contextOverrun } from '../../../main/models/inference/context-fit'
import { deviceRefusal, memoryShortfall, skippedForLength } from '../../../main/services/run-checks'
import { examplesLongerThan, maxLengthKeepingAll } from '../../../main/data/length-fit'
import { LengthCounter } from '../../../main/data/length-stats'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { writeRandomAdapter } from '../export/support'

const temp = useTempServices('ms-run-checks-')

let counter = 0
function model(arch: TinyArch = 'qwen2'): string {
  return writeTinyModel(join(temp.dir, `model-${arch}-${counter++}`), arch).dir
}

function dataFile(name = `train-${counter++}.jsonl`): string {
  const path = join(temp.dir, name)
  writeFileSync(path, Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `say ${i}`, completion: `${i}` })).join('\n') + '\n')
  return path
}

function config(input: Partial<Omit<RunConfigInput, 'data'>> & { data?: Partial<RunConfigInput['data']> }): RunConfig {
  const { data, ...rest } = input
  return RunConfig.parse({ model: model(), adapter: { method: 'ia3' }, train: { max_steps: 1 }, device: 'cpu', ...rest, data: { train: dataFile(), max_length: 32, ...data } })
}

/** runsStart refuses `config` with exactly these issues, and no run is recorded. */
async function refusedWith(runConfig: RunConfig, issues: { path: string; message: string | RegExp }[]): Promise<void> {
  const call = temp.services.runsStart({ config: runConfig })
  await expect(call).rejects.toBeInstanceOf(ApiCallError)
  const error = (await call.catch((e: unknown) => e)) as ApiCallError
  expect(error.code).toBe('invalid_input')
  expect(error.issues?.map((i) => i.path)).toEqual(issues.map((i) => i.path))
  issues.forEach((issue, i) => expect(error.issues![i].message).toMatch(issue.message))
  // The form shows each problem beside its field; the same words reach the CLI in the message.
  for (const issue of error.issues!) expect(error.message).toContain(issue.message)
  expect(await temp.services.runsList({ limit: 200 })).toEqual([])
  const checked = await temp.services.runsCheck({ config: runConfig })
  expect(checked.problems.filter((p) => p.severity === 'refusal').map(({ path, message }) => ({ path, message }))).toEqual(error.issues)
}

describe('data files', () => {
  it('refuses a training file that is not there', async () => {
    const missing = join(temp.dir, 'nowhere.jsonl')
    await refusedWith(config({ data: { train: missing } }), [{ path: 'data.train', message: `The training file ${missing}: no such file` }])
  })

  it('refuses a folder, an empty file and a binary file, naming the field of each', async () => {
    const folder = join(temp.dir, 'a-folder')
    mkdirSync(folder)
    const empty = join(temp.dir, 'empty.jsonl')
    writeFileSync(empty, '')
    const binary = join(temp.dir, 'weights.jsonl')
    writeFileSync(binary, Buffer.from([0x7b, 0x00, 0x01, 0x02, 0xff, 0x00]))
    await refusedWith(config({ data: { train: folder, validation: empty }, eval: { sets: [{ name: 'quiz', data: binary }] } as RunConfigInput['eval'] }), [
      { path: 'data.train', message: `The training file ${folder}: is a folder; choose a data file inside it` },
      { path: 'data.validation', message: `The validation file ${empty}: the file is empty (0 bytes)` },
      { path: 'eval.sets.0.data', message: /^The file of eval set "quiz" .*weights\.jsonl: contains NUL bytes \(at byte 1\): it is a binary file/ },
    ])
  })

  it.skipIf(process.getuid?.() === 0)('refuses a file it has no permission to read', async () => {
    const locked = dataFile('locked.jsonl')
    chmodSync(locked, 0o000)
    await refusedWith(config({ data: { train: locked } }), [{ path: 'data.train', message: `The training file ${locked}: cannot read it (no permission to read it)` }])
  })

  it('passes readable text files', async () => {
    const checked = await temp.services.runsCheck({ config: config({ data: { validation: dataFile() } }) })
    expect(checked.problems.filter((p) => p.severity === 'refusal')).toEqual([])
  })
})

describe('the held-out split', () => {
  it('is told to the form for a file never imported, counted by its lines as runsStart counts it', async () => {
    const runConfig = config({ data: { split: 8 } })
    const { problems } = await temp.services.runsCheck({ config: runConfig })
    expect(problems).toEqual([{ path: 'data.split', message: 'Holding out 8 of the 8 examples leaves none to train on: hold out at most 7.', severity: 'refusal' }])
    await expect(temp.services.runsStart({ config: runConfig })).rejects.toMatchObject({ issues: [{ path: 'data.split' }] })
  })
})

describe('the adapter to start from', () => {
  function adapterOf(modelDir: string, adapter: Record<string, unknown>): string {
    const dir = join(temp.dir, `adapter-${counter++}`)
    writeRandomAdapter(dir, openModel(modelDir), adapter as never)
    return dir
  }

  it('refuses a LoRA adapter for a MoV run, naming both methods', async () => {
    const modelDir = model()
    const init = adapterOf(modelDir, { method: 'lora', rank: 2 })
    await refusedWith(config({ model: modelDir, adapter: { method: 'mov', experts: 2, init } as RunConfigInput['adapter'] }), [
      { path: 'adapter.init', message: 'It is a LoRA adapter; a MoV run cannot start from it: choose LoRA as the method, or another adapter.' },
    ])
  })

  it('refuses another expert count and another rank', async () => {
    const modelDir = model()
    const mov = adapterOf(modelDir, { method: 'mov', experts: 4 })
    await refusedWith(config({ model: modelDir, adapter: { method: 'mov', experts: 2, init: mov } as RunConfigInput['adapter'] }), [
      { path: 'adapter.init', message: 'It has 4 experts; this run has 2: set Experts to 4, or choose another adapter.' },
    ])
    const lora = adapterOf(modelDir, { method: 'lora', rank: 4 })
    await refusedWith(config({ model: modelDir, adapter: { method: 'lora', rank: 2, init: lora } as RunConfigInput['adapter'] }), [
      { path: 'adapter.init', message: 'It has rank 4; this run has rank 2: set Rank to 4, or choose another adapter.' },
    ])
  })

  it('refuses an adapter of another model, and one of other sites', async () => {
    const gpt2 = model('gpt2')
    const fromGpt2 = adapterOf(gpt2, { method: 'ia3' })
    await refusedWith(config({ adapter: { method: 'ia3', init: fromGpt2 } as RunConfigInput['adapter'] }), [
      { path: 'adapter.init', message: `It was trained on ${gpt2} (gpt2, hidden size 32, 2 layers); this run's model is a qwen2 model: choose the model it was trained on, or start from the method's init.` },
    ])
    const modelDir = model()
    const kOnly = adapterOf(modelDir, { method: 'ia3', sites: ['k'] })
    await refusedWith(config({ model: modelDir, adapter: { method: 'ia3', init: kOnly } as RunConfigInput['adapter'] }), [
      { path: 'adapter.init', message: 'It adapts k; this run adapts the method\'s default sites: choose the same sites, or another adapter.' },
    ])
  })

  it('refuses a folder that is no adapter, and passes one that fits', async () => {
    const modelDir = model()
    const empty = join(temp.dir, `not-an-adapter-${counter++}`)
    mkdirSync(empty)
    await refusedWith(config({ model: modelDir, adapter: { method: 'ia3', init: empty } as RunConfigInput['adapter'] }), [
      { path: 'adapter.init', message: /not-an-adapter-\d+: not an adapter folder \(it needs adapter_config\.json and adapter_model\.safetensors/ },
    ])
    const fits = adapterOf(modelDir, { method: 'mov', experts: 3 })
    const checked = await temp.services.runsCheck({ config: config({ model: modelDir, adapter: { method: 'mov', experts: 3, init: fits } as RunConfigInput['adapter'] }) })
    expect(checked.problems.filter((p) => p.severity === 'refusal')).toEqual([])
  })
})

describe('the device', () => {
  it('refuses a device the System page lists as unavailable, with its reason', async () => {
    const { providers } = await temp.services.systemInfo({})
    // DirectML is unavailable everywhere but Windows, CUDA wherever its libraries are not installed.
    const missing = providers.find((p) => !p.available && (p.name === 'dml' || p.name === 'cuda' || p.name === 'webgpu'))
    if (!missing) throw new Error('every device is available on this machine; the check has nothing to refuse')
    await refusedWith(config({ device: missing.name as RunConfig['device'] }), [
      { path: 'device', message: `${missing.name} is not available on this machine: ${missing.reason.split(';')[0]}. Choose auto or another device; the System page says what ${missing.name} needs.` },
    ])
  })

  it('never refuses auto, which falls back to the CPU', () => {
    expect(deviceRefusal('auto', [{ name: 'cpu', available: true, reason: '' }, { name: 'cuda', available: false, reason: 'no' }])).toBeNull()
    expect(deviceRefusal('cuda', [{ name: 'cuda', available: false, reason: 'the CUDA provider libraries are not installed; install them with `npm rebuild`' }]))
      .toBe('cuda is not available on this machine: the CUDA provider libraries are not installed. Choose auto or another device; the System page says what cuda needs.')
  })
})

describe('max_length', () => {
  it('refuses more than a GPT-2\'s n_positions, and allows it exactly', async () => {
    const gpt2 = model('gpt2')
    await refusedWith(config({ model: gpt2, data: { max_length: 65 } }), [
      { path: 'data.max_length', message: 'Max length 65 is more than this model\'s context of 64 tokens (n_positions in its config.json): use 64 or less.' },
    ])
    const checked = await temp.services.runsCheck({ config: config({ model: gpt2, data: { max_length: 64 } }) })
    expect(checked.problems.filter((p) => p.severity === 'refusal')).toEqual([])
  })

  it('refuses more than a Llama-style model\'s max_position_embeddings; T5\'s relative buckets have no limit', () => {
    const llama = openModel(model('llama')).spec
    expect(contextOverrun(129, llama)).toBe('Max length 129 is more than this model\'s context of 128 tokens (max_position_embeddings in its config.json): use 128 or less.')
    expect(contextOverrun(128, llama)).toBeNull()
    expect(contextOverrun(100_000, openModel(model('t5')).spec)).toBeNull()
  })
})

describe('examples longer than max_length', () => {
  /** A file of 10 examples of growing length, imported with the model so their token lengths are counted. */
  async function importedWithModel(modelDir: string): Promise<{ train: string; min: number; max: number }> {
    const path = join(temp.dir, `long-${counter++}.jsonl`)
    writeFileSync(path, Array.from({ length: 10 }, (_, i) => JSON.stringify({ prompt: `say ${'ab '.repeat(i * 2)}`, completion: `${i}` })).join('\n') + '\n')
    const { id } = await temp.services.datasetsImport({ path, model: modelDir, template: 'auto', trainOnPrompt: false, onError: 'stop', validation: { kind: 'none' } })
    const tokens = (await temp.services.datasetsShow({ id })).report.stats.tokens!
    return { train: path, min: tokens.min, max: tokens.max }
  }

  it('warns beside Max length how many the run would skip, and what keeps them, by the import\'s token counts', async () => {
    const modelDir = model('llama')
    const { train, min, max } = await importedWithModel(modelDir)
    expect(max).toBeLessThanOrEqual(128) // the tiny model's context
    expect(min).toBeLessThan(max - 4)
    const lengthWarnings = async (maxLength: number, modelPath = modelDir) =>
      (await temp.services.runsCheck({ config: config({ model: modelPath, data: { train, max_length: maxLength } }) })).problems.filter((p) => p.path === 'data.max_length')
    expect(await lengthWarnings(max)).toEqual([])
    const middle = Math.floor((min + max) / 2)
    const [some] = await lengthWarnings(middle)
    expect(some).toEqual({ path: 'data.max_length', severity: 'warning', message: expect.stringMatching(new RegExp(`^(\\d+|\\d+ to \\d+|Up to \\d+) of 10 examples \\(\\d+%\\) are longer than ${middle} tokens: the run skips them\\. \\d+ keeps them all\\.$`)) })
    const [all] = await lengthWarnings(min - 1)
    expect(all.message).toMatch(new RegExp(`^All 10 examples are longer than ${min - 1} tokens \\(the shortest has ${min}\\): the run would skip them all and fail\\.`))
    // Counted with another model's tokenizer, or none: nothing is said.
    expect(await lengthWarnings(min - 1, model('llama'))).toEqual([])
    // It does not stop Start.
    const started = await temp.services.runsStart({ config: config({ model: modelDir, data: { train, max_length: middle } }) })
    expect(started.run.id).toBeTruthy()
  })

  it('says how many fit, in words, from a histogram whose bars straddle max_length', () => {
    const counter = new LengthCounter('tokens')
    for (const length of [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) counter.add(length)
    const stats = counter.summary(5) // bars of about 18 lengths
    expect(examplesLongerThan(stats, 100)).toEqual({ longerAtLeast: 0, longerAtMost: 0, count: 10 })
    expect(examplesLongerThan(stats, 9)).toEqual({ longerAtLeast: 10, longerAtMost: 10, count: 10 })
    const mid = examplesLongerThan(stats, 55)
    expect(mid.longerAtLeast).toBeLessThanOrEqual(5)
    expect(mid.longerAtMost).toBeGreaterThanOrEqual(5)
    expect(maxLengthKeepingAll(stats, null)).toBe(128)
    expect(maxLengthKeepingAll(stats, 96)).toBe(96)
    expect(skippedForLength(stats, 100, 2048)).toBeNull()
    expect(skippedForLength(counterOf([10, 20, 300]), 64, 2048)).toBe('1 of 3 examples (33%) are longer than 64 tokens: the run skips them. 320 keeps them all.')
    expect(skippedForLength(counterOf([10, 20, 300]), 64, 256)).toBe("1 of 3 examples (33%) are longer than 64 tokens: the run skips them. The model's context, 256, keeps all but 1.")
    expect(skippedForLength(counterOf([100, 200]), 64, 256)).toBe('All 2 examples are longer than 64 tokens (the shortest has 100): the run would skip them all and fail. 256 keeps them all.')
  })
})

function counterOf(lengths: number[]) {
  const counter = new LengthCounter('tokens')
  for (const length of lengths) counter.add(length)
  return counter.summary()
}

describe('memory', () => {
  it('warns, without refusing, when the estimate is more than the machine has free', async () => {
    // T5 has no context limit: a million-token max_length needs more memory than any machine has.
    const runConfig = config({ model: model('t5'), data: { max_length: 1_048_576 } })
    const estimate = await temp.services.runsEstimate({ config: runConfig })
    expect(estimate.memory.totalBytes).toBeGreaterThan(totalmem())
    const { problems } = await temp.services.runsCheck({ config: runConfig })
    expect(problems).toEqual([{ path: 'device', severity: 'warning', message: expect.stringMatching(/^This run needs about [\d.]+ TiB; this machine has [\d.]+ (GiB|MiB) free\./) }])
  })

  it('says the figures as the Cost panel does (GiB, MiB, TiB), and nothing when the run fits', () => {
    expect(memoryShortfall(9.2 * 1024 ** 3, 7.5 * 1024 ** 3, 'none')).toMatch(/^This run needs about 9\.2 GiB; this machine has 7\.5 GiB free\./)
    expect(memoryShortfall(2 * 1024 ** 3, 300 * 1024 ** 2, 'none')).toMatch(/this machine has 300\.0 MiB free/)
    expect(memoryShortfall(1280.1 * 1024 ** 4, 20 * 1024 ** 3, 'none')).toMatch(/^This run needs about 1280\.1 TiB; this machine has 20\.0 GiB free/)
    expect(memoryShortfall(1024 ** 3, 2 * 1024 ** 3, 'none')).toBeNull()
  })

  it('points to a 4-bit frozen base while the base is not held in 4 bits', () => {
    expect(memoryShortfall(9.2 * 1024 ** 3, 7.5 * 1024 ** 3, 'none')).toMatch(/lower Batch size or Max length, or set Frozen base to 4-bit\.$/)
    expect(memoryShortfall(9.2 * 1024 ** 3, 7.5 * 1024 ** 3, 'int8')).toMatch(/or set Frozen base to 4-bit\.$/)
    expect(memoryShortfall(9.2 * 1024 ** 3, 7.5 * 1024 ** 3, 'int4')).toMatch(/close other programs, or lower Batch size or Max length\.$/)
  })
})
