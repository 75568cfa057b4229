// `mixture-studio train` and `demo`, run in-process against a temp data dir.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAdapterFolder } from '../../../main/train/adapter-files'
import { openStore } from '../../../main/store'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>

beforeAll(() => {
  tmp = makeTempDir('ms-train-cli-')
  writeTinyModel(join(tmp.dir, 'model'), 'qwen2')
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 12)
})
afterAll(() => tmp.remove())

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runCli(args, { home: join(tmp.dir, 'home') })
  return { code, out: stdout, err: stderr }
}

const jsonLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)

describe('mixture-studio train', () => {
  it('names an unknown or invalid field with its line (with --json as an error object)', async () => {
    const path = join(tmp.dir, 'bad.yaml')
    writeFileSync(path, 'model: model\ndata: { train: train.jsonl }\nadapter:\n  method: mov\n  experts: 0\ntrain:\n  lr: 1e-3\n  batchsize: 4\n')
    const { code, out } = await cli(['train', '--config', path, '--json'])
    expect(code).toBe(1)
    const [error] = jsonLines(out)
    expect(error.type).toBe('error')
    expect(error.message).toMatch(/line 5: adapter\.experts: .*\n.*line 8: train\.batchsize: unknown field/)
  })

  it('trains from a YAML file whose paths are relative to it, printing JSON lines', async () => {
    const path = join(tmp.dir, 'run.yaml')
    writeFileSync(path, 'model: model\ndata: { train: train.jsonl, max_length: 128 }\nadapter: { method: lora, rank: 2 }\ntrain: { lr: 0.01, batch_size: 4, max_steps: 3, save_every: 10 }\ndevice: cpu\n')
    const { code, out, err } = await cli(['train', '--config', path, '--json'])
    expect(err).toBe('')
    expect(code).toBe(0)
    const lines = jsonLines(out)
    const steps = lines.filter((l) => l.type === 'step')
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3])
    for (const s of steps) expect(s).toMatchObject({ loss: expect.any(Number), lr: 0.01, tokens_per_s: expect.any(Number) })
    const done = lines.at(-1)!
    expect(done).toMatchObject({ type: 'done', run_id: expect.any(String), step: 3 })
    expect(readAdapterFolder(done.adapter as string).config.method).toBe('lora')
  })

  it('links a run to the imported model and dataset its configuration names, as the studio does', async () => {
    expect((await cli(['models', 'import', join(tmp.dir, 'model')])).code).toBe(0)
    expect((await cli(['datasets', 'import', join(tmp.dir, 'train.jsonl')])).code).toBe(0)
    const path = join(tmp.dir, 'linked.yaml')
    writeFileSync(path, 'model: model\ndata: { train: train.jsonl, max_length: 128 }\nadapter: { method: ia3 }\ntrain: { batch_size: 4, max_steps: 1 }\ndevice: cpu\n')
    const done = jsonLines((await cli(['train', '--config', path, '--json'])).out).at(-1)!
    const store = openStore(join(tmp.dir, 'home'))
    try {
      const run = store.runs.get(done.run_id as string)!
      expect(store.catalog.getModel(run.modelId!)?.path).toBe(join(tmp.dir, 'model'))
      expect(store.datasets.get(run.datasetId!)?.path).toBe(join(tmp.dir, 'train.jsonl'))
    } finally {
      store.close()
    }
  })
})

describe('mixture-studio train refuses what the studio\'s Start refuses', () => {
  it('names each field that would fail the run (context, data file, split) and records no run', async () => {
    const runsBefore = () => {
      const store = openStore(join(tmp.dir, 'home'))
      try {
        return store.runs.list({ limit: 1000 }).length
      } finally {
        store.close()
      }
    }
    const before = runsBefore()
    const path = join(tmp.dir, 'doomed.yaml')
    // The tiny Qwen2 has a 128-token context; the validation file does not exist; 12 rows, 20 held out.
    writeFileSync(path, 'model: model\ndata: { train: train.jsonl, validation: missing.jsonl, max_length: 4096 }\nadapter: { method: ia3 }\ntrain: { batch_size: 4, max_steps: 1 }\ndevice: cpu\n')
    const { code, out } = await cli(['train', '--config', path, '--json'])
    expect(code).toBe(1)
    const [error] = jsonLines(out)
    expect(error).toMatchObject({ type: 'error', message: expect.stringContaining('this run would not train, so none was created') })
    expect(error.message).toMatch(/data\.validation: The validation file .*missing\.jsonl/)
    expect(error.message).toMatch(/data\.max_length: /)
    const split = join(tmp.dir, 'split.yaml')
    writeFileSync(split, 'model: model\ndata: { train: train.jsonl, split: 20, max_length: 128 }\nadapter: { method: ia3 }\ntrain: { batch_size: 4, max_steps: 1 }\ndevice: cpu\n')
    const refused = await cli(['train', '--config', split, '--json'])
    expect(refused.code).toBe(1)
    expect(jsonLines(refused.out)[0].message).toMatch(/data\.split: /)
    expect(runsBefore()).toBe(before)
  })
})

describe('mixture-studio demo', () => {
  it('generates a model and a dataset, trains MoV and says where the adapter is', async () => {
    const { code, out } = await cli(['demo', '--steps', '4'])
    expect(code).toBe(0)
    expect(out).toMatch(/generated a random Llama-style model/)
    expect(out).toMatch(/generated a sample dataset \(400 prompt\/completion rows\)/)
    expect(out).toMatch(/step 4\/4 +loss \d/)
    expect(out).toMatch(/adapter written to .*adapter\n/)
    expect(out).toMatch(/loss \d+\.\d+ -> \d+\.\d+ \(train, eval \d+\.\d+ -> \d+\.\d+\) in \d+\.\d s/)
  }, 30_000)
})
