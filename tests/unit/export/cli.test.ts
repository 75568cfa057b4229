// `mixture-studio export` end to end: a run trained by `train`, exported by id in every format
// allowed for its method, recorded in the store; and the runsExport call's error codes.
import { cpSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatchCall, createServices } from '../../../main/services'
import { openStore } from '../../../main/store'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
let runId: string
const home = () => join(tmp.dir, 'home')

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runCli(args, { home: home() })
  return { code, out: stdout, err: stderr }
}

beforeAll(async () => {
  tmp = makeTempDir('ms-export-cli-')
  writeTinyModel(join(tmp.dir, 'model'), 'llama')
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 8)
  const config = join(tmp.dir, 'run.yaml')
  writeFileSync(config, 'model: model\ndata: { train: train.jsonl, max_length: 128 }\nadapter: { method: ia3 }\ntrain: { lr: 0.05, batch_size: 4, max_steps: 2, save_every: 10 }\ndevice: cpu\n')
  const trained = await cli(['train', '--config', config, '--json', '--threads', '1'])
  expect(trained.code).toBe(0)
  runId = (JSON.parse(trained.out.trim().split('\n').at(-1)!) as { run_id: string }).run_id
}, 60_000)
afterAll(() => tmp.remove())

describe('mixture-studio export', () => {
  it('exports a run by id as peft and merged, listing the files written, and records both', async () => {
    const peft = await cli(['export', runId, '--format', 'peft', '--out', join(tmp.dir, 'peft'), '--json'])
    expect(peft.err).toBe('')
    expect(peft.code).toBe(0)
    const line = JSON.parse(peft.out) as { type: string; files: { path: string; bytes: number }[]; recorded: boolean; method: string }
    expect(line).toMatchObject({ type: 'export', format: 'peft', method: 'ia3', runId, recorded: true })
    expect(line.files.map((f) => f.path)).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors'].map((n) => join(tmp.dir, 'peft', n)))
    expect(line.files.every((f) => f.bytes > 0)).toBe(true)

    const merged = await cli(['export', runId, '--format', 'merged', '--out', join(tmp.dir, 'merged')])
    expect(merged.code).toBe(0)
    expect(merged.out).toMatch(new RegExp(`Exported the ia3 adapter of run ${runId} as merged to .*merged:\\n`))
    expect(merged.out).toMatch(/KiB {2}.*model\.safetensors\n/)

    const store = openStore(home())
    try {
      expect(store.artifacts.listExports(runId).map((e) => e.format)).toEqual(['native', 'peft', 'merged'])
    } finally {
      store.close()
    }
    // runsShow keeps pointing at the run's own adapter folder, not at an export.
    const services = createServices({ dataDir: home() })
    try {
      const shown = await dispatchCall(services, 'runsShow', { runId })
      expect(shown.ok && (shown.data as { adapter: string }).adapter).toBe(join(home(), 'runs', runId, 'adapter'))
    } finally {
      await services.close()
    }
  })

  it('exports a run by id as an ONNX model, recorded like the others', async () => {
    const onnx = await cli(['export', runId, '--format', 'onnx', '--out', join(tmp.dir, 'onnx'), '--json'])
    expect(onnx.err).toBe('')
    expect(onnx.code).toBe(0)
    const line = JSON.parse(onnx.out) as { files: { path: string }[] }
    expect(line).toMatchObject({ type: 'export', format: 'onnx', method: 'ia3', runId, recorded: true })
    expect(line.files.map((f) => f.path)).toEqual(expect.arrayContaining(['model.onnx', 'decoder_step.onnx', 'model.onnx.data', 'tokenizer.json', 'README.md'].map((n) => join(tmp.dir, 'onnx', n))))
    const store = openStore(home())
    try {
      expect(store.artifacts.listExports(runId).at(-1)).toMatchObject({ format: 'onnx', path: join(tmp.dir, 'onnx') })
    } finally {
      store.close()
    }
  })

  it('exports an adapter folder given as a path (the run is found from it)', async () => {
    const { code, out } = await cli(['export', join(home(), 'runs', runId, 'adapter'), '--format', 'native', '--out', join(tmp.dir, 'native')])
    expect(code).toBe(0)
    expect(out).toContain(`of run ${runId} as native`)
  })

  it('says why an export cannot be done, and checks its arguments', async () => {
    const busy = await cli(['export', runId, '--format', 'native', '--out', join(tmp.dir, 'peft')])
    expect(busy.code).toBe(1)
    expect(busy.err).toMatch(/already exists and is not empty.*--force/)
    const unknown = await cli(['export', 'no-such-run', '--format', 'native', '--out', join(tmp.dir, 'x'), '--json'])
    expect(unknown.code).toBe(1)
    expect(JSON.parse(unknown.out)).toMatchObject({ type: 'error', message: expect.stringMatching(/there is no run no-such-run/) })
    const badFormat = await cli(['export', runId, '--format', 'gguf', '--out', 'x'])
    expect(badFormat.code).toBe(2)
    expect(badFormat.err).toMatch(/--format must be one of native, peft, onnx, merged/)
    expect((await cli(['export', runId, '--format', 'native'])).code).toBe(2)
  })

  it('--force never replaces the data folder: the export is refused and studio.db and the runs stay', async () => {
    const copy = join(tmp.dir, 'adapter-copy')
    cpSync(join(home(), 'runs', runId, 'adapter'), copy, { recursive: true })
    const before = readdirSync(home(), { recursive: true }).sort()
    for (const what of [runId, copy]) {
      const refused = await cli(['export', what, '--format', 'onnx', '--out', home(), '--force'])
      expect(refused.code).toBe(1)
      expect(refused.err).toMatch(/is Mixture Studio's data folder, which holds its database and every run; an export never replaces it\. Choose a new folder/)
    }
    const services = createServices({ dataDir: home() })
    try {
      const answer = await dispatchCall(services, 'runsExport', { adapterDir: copy, format: 'native', out: home(), overwrite: true })
      expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/is Mixture Studio's data folder/) } })
    } finally {
      await services.close()
    }
    expect(statSync(join(home(), 'studio.db')).isFile()).toBe(true)
    expect(readdirSync(home(), { recursive: true }).sort()).toEqual(before)
  })

  it('runsExport answers not_found for an unknown run and invalid_input for a refusal or bad input', async () => {
    const services = createServices({ dataDir: home() })
    try {
      const missing = await dispatchCall(services, 'runsExport', { runId: 'nope', format: 'native', out: join(tmp.dir, 'y') })
      expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } })
      const both = await dispatchCall(services, 'runsExport', { runId, adapterDir: tmp.dir, format: 'native', out: join(tmp.dir, 'y') })
      expect(both).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/either runId or adapterDir/) } })
      const notAdapter = await dispatchCall(services, 'runsExport', { adapterDir: join(tmp.dir, 'model'), format: 'native', out: join(tmp.dir, 'y') })
      expect(notAdapter).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/not an adapter folder/) } })
    } finally {
      await services.close()
    }
  })
})
