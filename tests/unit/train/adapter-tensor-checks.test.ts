// Every reader of an adapter folder (eval, generate, the Playground, export, adapter.init, resume)
// refuses tensors that are not exactly what the adapter's config declares on the model: names,
// shapes, float32, finite values, naming the tensor. A router stored [d_ff, E] where [E, d_ff] is
// wanted has the same element count; it used to evaluate without complaint.
import { copyFileSync, existsSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { generateSideBySide } from '../../../main/jobs/kinds/generate'
import { openModel, type OpenedModel } from '../../../main/models'
import { writeSafetensors } from '../../../main/runtime/safetensors'
import { openStore } from '../../../main/store'
import { ADAPTER_WEIGHTS_FILE, writeAdapterFolder, type AdapterFolder, type AdapterTensor } from '../../../main/train/adapter-files'
import { listCheckpoints } from '../../../main/train/checkpoint'
import { runFolder, runTraining } from '../../../main/train/run-training'
import { runCli } from '../../helpers/cli-in-process'
import { float32ToFloat16Bits } from '../../helpers/half-floats'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import { writeRandomAdapter } from '../export/support'
import { writePromptCompletionFile } from './support'

const models = useTinyModels('ms-adapter-checks-')
let model: OpenedModel
let good: AdapterFolder
let data: string

// The tiny llama: d_ff 48, 4 heads and 4 key/value heads of 8, 2 layers; MoV with 4 experts.
const ROUTER = 'model.layers.0.mlp.mov_router.weight'
const TRANSPOSED = /model\.layers\.0\.mlp\.mov_router\.weight has shape \[48, 4\]; needs \[4, 48\]/
const STACK_LINE = /\n\s+at /

beforeAll(() => {
  model = openModel(models.write('llama').dir)
  good = writeRandomAdapter(join(models.dir, 'good'), model, { method: 'mov', experts: 4 })
  data = writePromptCompletionFile(join(models.dir, 'data.jsonl'), 4)
})

const cli = (args: string[]) => runCli(args, { home: join(models.dir, 'home') })

const evalWith = (adapter: string) => cli(['eval', '--model', model.info.dir, '--adapter', adapter, '--data', data, '--threads', '1', '--device', 'cpu'])
const generateWith = (adapter: string) => cli(['generate', '--model', model.info.dir, '--adapter', adapter, '--prompt', 'copy abc', '--max-tokens', '4', '--threads', '1', '--device', 'cpu'])

/** The good adapter's tensors with `edit` applied, written as a folder named `name`. */
function adapterWith(name: string, edit: (tensors: AdapterTensor[]) => AdapterTensor[]): string {
  const dir = join(models.dir, name)
  writeAdapterFolder(dir, good.config, edit([...good.tensors.values()].map((t) => ({ ...t, data: t.data.slice() }))))
  return dir
}

function transposedRouter(name: string): string {
  return adapterWith(name, (tensors) => tensors.map((t) => {
    if (t.name !== ROUTER) return t
    const [rows, columns] = t.shape
    const data = new Float32Array(t.data.length)
    for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) data[c * rows + r] = t.data[r * columns + c]
    return { ...t, shape: [columns, rows], data }
  }))
}

/** Expects the CLI to have refused with `message`: exit 1, on stderr, no stack trace. */
function expectRefused(result: { code: number; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(1)
  expect(result.stderr).toMatch(message)
  expect(result.stderr).not.toMatch(STACK_LINE)
}

describe('a router stored transposed is refused by every reader, naming the tensor and both shapes', () => {
  let transposed: string
  beforeAll(() => {
    expect(good.tensors.get(ROUTER)!.shape).toEqual([4, 48])
    transposed = transposedRouter('transposed')
  })

  it('eval', async () => {
    const result = await evalWith(transposed)
    expectRefused(result, TRANSPOSED)
    expect(result.stderr).toContain(`adapter ${transposed} (mov, 4 experts, sites k, v, ffn) does not fit the model ${model.info.dir} (llama: hidden 32, d_ff 48, 2 layers, 4 heads and 4 key/value heads of 8)`)
  })

  it('generate', async () => {
    expectRefused(await generateWith(transposed), TRANSPOSED)
  })

  it('the Playground', async () => {
    const request = { model: model.info.dir, adapter: transposed, prompt: 'copy abc', format: 'raw' as const, maxTokens: 2, temperature: 0, topP: 1, seed: 0, device: 'cpu' as const }
    await expect(generateSideBySide(request)).rejects.toThrow(TRANSPOSED)
  })

  it.each(['native', 'onnx'])('export --format %s, writing nothing', async (format) => {
    const out = join(models.dir, 'exports', format)
    expectRefused(await cli(['export', transposed, '--format', format, '--out', out]), TRANSPOSED)
    expect(existsSync(out)).toBe(false)
  })

  describe('training', () => {
    let dataDir: string
    let config: RunConfig
    beforeAll(() => {
      dataDir = join(models.dir, 'runs-home')
      config = RunConfig.parse({
        model: model.info.dir,
        data: { train: writePromptCompletionFile(join(models.dir, 'train.jsonl'), 8), split: 2, max_length: 128 },
        adapter: { method: 'mov', experts: 4 },
        train: { batch_size: 4, max_steps: 2, save_every: 1, eval_every: 1000 },
        device: 'cpu',
      })
    })
    const newRun = (runConfig: RunConfig): string => {
      const store = openStore(dataDir)
      try {
        return store.runs.create({ name: 'checks', config: runConfig, method: 'mov' }).id
      } finally {
        store.close()
      }
    }

    it('adapter.init at the start of a run', async () => {
      const runId = newRun(RunConfig.parse({ ...config, adapter: { ...config.adapter, init: transposed } }))
      const outcome = await runTraining({ dataDir, runId, threads: 1 })
      expect(outcome.status).toBe('failed')
      expect(outcome.error).toMatch(TRANSPOSED)
      expect(outcome.error).toMatch(new RegExp(`^adapter\\.init ${transposed} \\(mov, 4 experts, sites k, v, ffn\\) does not fit this run's adapter \\(mov, 4 experts, sites k, v, ffn\\) on `))
    })

    it('a checkpoint a run resumes from', async () => {
      const runId = newRun(config)
      // Stopped after its first step: the stop writes a checkpoint to resume from.
      let steps = 0
      const first = await runTraining({ dataDir, runId, threads: 1, onEvent: (e) => e.type === 'step' && steps++, shouldStop: () => steps >= 1 })
      expect(first).toMatchObject({ status: 'cancelled', step: 1 })
      const checkpoint = listCheckpoints(join(runFolder(dataDir, runId), 'checkpoints')).at(-1)!.path
      // The run's own weights file replaced by one with the router transposed (state and optimizer stay).
      copyFileSync(join(transposedRouter('checkpoint-source'), ADAPTER_WEIGHTS_FILE), join(checkpoint, ADAPTER_WEIGHTS_FILE))
      const outcome = await runTraining({ dataDir, runId, threads: 1 })
      expect(outcome.status).toBe('failed')
      expect(outcome.error).toMatch(TRANSPOSED)
      expect(outcome.error).toContain(`checkpoint ${checkpoint}`)
    })
  })
})

describe('the tensors themselves', () => {
  it('a missing tensor is named with its shape, and several are counted', async () => {
    const one = adapterWith('missing-one', (tensors) => tensors.filter((t) => t.name !== ROUTER))
    expectRefused(await evalWith(one), /\n  1 tensor missing: model\.layers\.0\.mlp\.mov_router\.weight \[4, 48\]\n/)
    const layer = adapterWith('missing-layer', (tensors) => tensors.filter((t) => !t.name.startsWith('model.layers.1.')))
    expectRefused(await evalWith(layer), /\n  6 tensors missing: model\.layers\.1\.\S+ \[[\d, ]+\], model\.layers\.1\.\S+ \[[\d, ]+\], model\.layers\.1\.\S+ \[[\d, ]+\] and 3 more\n/)
  })

  it('an unknown extra tensor is named', async () => {
    const extra = adapterWith('extra', (tensors) => [...tensors, { name: 'model.layers.0.mlp.up_proj.mov_vectors', shape: [4, 48], data: new Float32Array(192) }])
    expectRefused(await evalWith(extra), /\n  1 unknown tensor \(no such parameter here\): model\.layers\.0\.mlp\.up_proj\.mov_vectors \[4, 48\]\n/)
  })

  it('a float16 tensor where float32 is expected', async () => {
    const dir = adapterWith('float16', (tensors) => tensors)
    const tensors = [...good.tensors.values()].map((t) =>
      t.name === ROUTER ? { name: t.name, dtype: 'float16' as const, shape: t.shape, data: Uint16Array.from(t.data, float32ToFloat16Bits) } : { name: t.name, dtype: 'float32' as const, shape: t.shape, data: t.data },
    )
    writeSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), tensors)
    expectRefused(await evalWith(dir), /adapter_model\.safetensors: tensor "model\.layers\.0\.mlp\.mov_router\.weight" is F16 \[4, 48\]; adapter tensors are float32 \(F32\)/)
  })

  it('a NaN value, with how many there are and where the first is', async () => {
    const dir = adapterWith('nan', (tensors) => tensors.map((t) => (t.name === ROUTER ? { ...t, data: t.data.map((v, i) => (i === 5 || i === 9 ? NaN : v)) } : t)))
    expectRefused(await evalWith(dir), /tensor "model\.layers\.0\.mlp\.mov_router\.weight" has 2 NaN of its 192 values \(the first at element 5\)/)
  })

  it('an infinite value', async () => {
    const dir = adapterWith('inf', (tensors) => tensors.map((t) => (t.name === ROUTER ? { ...t, data: t.data.map((v, i) => (i === 7 ? -Infinity : v)) } : t)))
    expectRefused(await generateWith(dir), /tensor "model\.layers\.0\.mlp\.mov_router\.weight" has 1 infinite of its 192 values \(the first at element 7\)/)
  })

  it('an all-NaN adapter is refused by eval, not scored as a NaN loss with exit 0', async () => {
    const dir = adapterWith('all-nan', (tensors) => tensors.map((t) => ({ ...t, data: new Float32Array(t.data.length).fill(NaN) })))
    const result = await evalWith(dir)
    expectRefused(result, /has \d+ NaN of its (\d+) values \(the first at element 0\)/)
    expect(result.stdout).not.toMatch(/mean loss/)
  })

  it('a truncated weights file in generate: the file and what is missing, exit 1, no stack trace', async () => {
    const dir = adapterWith('truncated', (tensors) => tensors)
    const weights = join(dir, ADAPTER_WEIGHTS_FILE)
    truncateSync(weights, statSync(weights).size - 100)
    const result = await generateWith(dir)
    expectRefused(result, new RegExp(`${weights.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: tensor ".+": data_offsets end \\d+ lies past the end of the data \\(\\d+ bytes: 100 missing\\)`))
  })
})

describe('eval with a mean loss that is not a number', () => {
  it('exits 1 saying which examples overflowed, instead of printing NaN', async () => {
    // A head of huge weights: logits overflow to ±infinity and the NLL becomes NaN.
    const overflowing = models.write('llama', { editTensors: (tensors) => tensors.map((t) => (t.name === 'lm_head.weight' ? { ...t, values: t.values.map((v) => Math.sign(v) * 3e38) } : t)) })
    const result = await cli(['eval', '--model', overflowing.dir, '--data', data, '--threads', '1', '--device', 'cpu'])
    expectRefused(result, /^the mean loss is NaN on .+: 4 of 4 examples have a non-finite NLL \(the first: line 1, NaN\)/)
    expect(result.stdout).not.toMatch(/mean loss/)
  })
})
