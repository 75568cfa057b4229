// Training with data.packing: a packed batch is the same objective as the unpacked batch of the
// same examples (token-mean loss, load-balancing term, every gradient), for every method on the
// decoder-only families; and a packed run trains, logs its padding, and resumes exactly.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, type RunEvent } from '../../../main/contract'
import { parseAdapterConfig, type AdapterConfigInput } from '../../../main/engine/adapters'
import { Rng } from '../../../main/engine/random'
import { openModel } from '../../../main/models/inference/open-model'
import { hostTensor, type HostTensor } from '../../../main/runtime'
import { openStore } from '../../../main/store'
import { makeBatch, type Batch, type TrainingExample } from '../../../main/train/batches'
import { makePackedBatch, packRows } from '../../../main/train/packing'
import { runTraining } from '../../../main/train/run-training'
import { buildTrainStep, STEP_OUTPUTS, type TrainStep } from '../../../main/train/step-graph'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch, type TinyModelOptions } from '../../helpers/tiny-models'
import { writeFileSync } from 'node:fs'
import { headAndTail } from './support'

let tmp: ReturnType<typeof makeTempDir>
let counter = 0
beforeAll(() => (tmp = makeTempDir('ms-packed-')))
afterAll(() => tmp.remove())

/** Ten examples of 3 to 11 tokens, each with a 2-token untrained prompt. */
function variedExamples(vocab: number): TrainingExample[] {
  return Array.from({ length: 10 }, (_, i) => {
    const length = 3 + ((i * 5) % 9)
    return {
      line: i + 1,
      inputIds: Int32Array.from({ length }, (_, t) => 3 + ((t * 7 + i * 3) % (vocab - 4))),
      trained: Uint8Array.from({ length }, (_, t) => (t >= 2 ? 1 : 0)),
    }
  })
}

/** The method's init moved by seeded noise, so every gradient (LoRA's A with B = 0 included) is non-zero. */
function perturbed(step: TrainStep): Record<string, HostTensor> {
  const rng = Rng.derive(11, 'packed-training')
  const feeds: Record<string, HostTensor> = {}
  for (const [name, values] of step.initialValues(3)) {
    const p = step.parameters.find((q) => q.name === name)!
    feeds[name] = hostTensor('float32', p.shape, values.map((v) => v + 0.05 * rng.standardNormal()))
  }
  return feeds
}

async function objective(step: TrainStep, batch: Batch, parameters: Record<string, HostTensor>) {
  const fetches = [STEP_OUTPUTS.loss, ...(step.hasAuxLoss ? [STEP_OUTPUTS.auxLoss] : []), ...step.parameters.map((p) => STEP_OUTPUTS.gradient(p.name))]
  const out = await step.session.run({ ...batch.feeds, ...parameters }, fetches)
  return {
    loss: (out[STEP_OUTPUTS.loss].data as Float32Array)[0],
    aux: step.hasAuxLoss ? (out[STEP_OUTPUTS.auxLoss].data as Float32Array)[0] : null,
    grads: step.parameters.map((p) => out[STEP_OUTPUTS.gradient(p.name)].data as Float32Array),
  }
}

describe.each([
  ['qwen2 MoV with load balancing', 'qwen2', {}, { method: 'mov', experts: 3, load_balancing_coefficient: 0.1 }],
  ['llama LoRA', 'llama', {}, { method: 'lora', rank: 2 }],
  ['gpt2 MoLoRA with top-1', 'gpt2', {}, { method: 'molora', experts: 3, rank: 2, top_k: 1 }],
  ['mistral (IA)³ with a 3-token sliding window', 'mistral', { config: { sliding_window: 3 } }, { method: 'ia3' }],
] as const)('%s', (_name, arch, modelOptions: TinyModelOptions, adapter: AdapterConfigInput) => {
  it('a packed batch gives the loss and gradients of the unpacked batch of the same examples', async () => {
    const model = openModel(writeTinyModel(join(tmp.dir, `${arch}-${counter++}`), arch as TinyArch, modelOptions).dir)
    const config = parseAdapterConfig(adapter)
    const examples = variedExamples(model.spec.vocabSize)
    const width = 16
    const rows = packRows(examples.map((_, i) => i), examples.map((e) => e.inputIds.length), width)
    expect(rows.length).toBeLessThan(examples.length) // several examples do share rows
    const layout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }

    const plain = await buildTrainStep(model, config, { kind: 'train', threads: 1, maxPositions: 32 })
    const packed = await buildTrainStep(model, config, { kind: 'train', threads: 1, maxPositions: 32, packed: true })
    try {
      const parameters = perturbed(plain)
      const expected = await objective(plain, makeBatch(examples, layout), parameters)
      const actual = await objective(packed, makePackedBatch(rows.map((row) => row.map((i) => examples[i])), { ...layout, width }), parameters)
      expect(Math.abs(actual.loss - expected.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(expected.loss))
      if (expected.aux !== null) expect(Math.abs(actual.aux! - expected.aux)).toBeLessThanOrEqual(1e-5 * Math.abs(expected.aux))
      expected.grads.forEach((g, k) => {
        const scale = Math.max(...g.map(Math.abs))
        expect(scale).toBeGreaterThan(0)
        const worst = Math.max(...g.map((v, i) => Math.abs(v - actual.grads[k][i])))
        expect(worst, plain.parameters[k].name).toBeLessThanOrEqual(1e-4 * scale)
      })
    } finally {
      await plain.session.dispose()
      await packed.session.dispose()
    }
  })
})

describe('a packed run', () => {
  let dataDir: string
  let config: RunConfig

  function newRun(): string {
    const store = openStore(dataDir)
    try {
      return store.runs.create({ name: 'packed', config, method: config.adapter.method }).id
    } finally {
      store.close()
    }
  }

  function stored(runId: string) {
    const store = openStore(dataDir)
    try {
      return { losses: store.metrics.curve(runId, 'loss').map((p) => p.value), log: store.runLog.list(runId).map((l) => l.message) }
    } finally {
      store.close()
    }
  }

  beforeAll(() => {
    dataDir = join(tmp.dir, 'home')
    const model = writeTinyModel(join(tmp.dir, 'run-model'), 'qwen2').dir
    // Every fourth completion is thirty words, the others one: rows as wide as the longest hold several short ones.
    const words = ['abc', 'bca', 'cab', 'dde', 'eed', 'fab', 'bad', 'cad']
    const train = join(tmp.dir, 'train.jsonl')
    const rows = Array.from({ length: 40 }, (_, i) => ({ prompt: `copy ${words[i % 8]}`, completion: ` ${Array.from({ length: i % 4 === 0 ? 30 : 1 }, () => words[i % 8]).join(' ')}` }))
    writeFileSync(train, rows.map((row) => JSON.stringify(row)).join('\n') + '\n')
    config = RunConfig.parse({
      model,
      data: { train, split: 6, max_length: 256, packing: true },
      adapter: { method: 'mov', experts: 2 },
      train: { lr: 0.05, batch_size: 2, grad_accum: 2, max_steps: 10, eval_every: 5, save_every: 2, seed: 4 },
      device: 'cpu',
    })
  })

  it('trains, says how it packed, and resumed after a stop gives the uninterrupted losses', async () => {
    const whole = newRun()
    const events: RunEvent[] = []
    expect(await runTraining({ dataDir, runId: whole, threads: 1, onEvent: (e) => events.push(e) })).toMatchObject({ status: 'completed', step: 10 })
    const { losses, log } = stored(whole)
    const packing = log.find((line) => line.startsWith('packed '))
    expect(packing).toMatch(/^packed 34 examples into \d+ rows: \d+ % padding, \d+ % without packing \(rows of \d+ tokens, 2 a batch; first epoch\)$/)
    const [, rows, padding, unpacked] = /into (\d+) rows: (\d+) % padding, (\d+) %/.exec(packing!)!.map(Number)
    expect(rows, packing).toBeLessThan(0.6 * 34) // one example per row would take 34
    expect(padding, packing).toBeLessThan(unpacked / 2)
    const { head, tail } = headAndTail(losses)
    expect(tail).toBeLessThan(head)
    expect(events.filter((e) => e.type === 'eval').length).toBe(3)

    const resumed = newRun()
    let steps = 0
    expect(await runTraining({ dataDir, runId: resumed, threads: 1, onEvent: (e) => e.type === 'step' && steps++, shouldStop: () => steps >= 3 })).toMatchObject({ status: 'cancelled', step: 3 })
    expect(await runTraining({ dataDir, runId: resumed, threads: 1 })).toMatchObject({ status: 'completed', step: 10 })
    const again = stored(resumed).losses
    expect(again).toHaveLength(10)
    again.forEach((loss, i) => expect(Math.abs(loss - losses[i])).toBeLessThan(1e-6))
  })

  it('refuses packing for an encoder-decoder model, naming the field', async () => {
    const t5 = writeTinyModel(join(tmp.dir, 't5-model'), 't5').dir
    const runConfig = RunConfig.parse({ ...config, model: t5 })
    const store = openStore(dataDir)
    const runId = store.runs.create({ name: 't5-packed', config: runConfig, method: 'mov' }).id
    store.close()
    const outcome = await runTraining({ dataDir, runId, threads: 1 })
    expect(outcome.status).toBe('failed')
    expect(outcome.error).toMatch(/data\.packing: an encoder-decoder model \(T5\) cannot pack/)
  })
})
