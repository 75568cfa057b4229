// playgroundGenerate through the services: a real `generate` job process answers for the base
// model and for base + a completed run's adapter, with the same prompt and seed, the prompt
// rendered through the run's own template by default.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlaygroundResult, RunConfig } from '../../../main/contract'
import { createAdapter, parseAdapterConfig } from '../../../main/engine/adapters'
import { Graph } from '../../../main/engine/ir'
import { buildDecoderOnly } from '../../../main/engine/models'
import { Rng } from '../../../main/engine/random'
import { generateSideBySide } from '../../../main/jobs/kinds/generate'
import { openModel } from '../../../main/models'
import { createServices, dispatchCall, type Services } from '../../../main/services'
import { nativeAdapterConfig, runFolder, writeAdapterFolder } from '../../../main/train'
import { checkpointPath, STATE_FILE } from '../../../main/train/checkpoint'
import { runPrompts } from '../../../main/train/run-prompts'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'

let tmp: ReturnType<typeof makeTempDir>
let services: Services
let modelDir: string
let runId: string

function loraRunConfig(model: string): RunConfig {
  return RunConfig.parse({ model, data: { train: 'unused.jsonl' }, adapter: { method: 'lora', rank: 2 } })
}

/** A LoRA adapter whose B is far from zero, written where a completed run keeps its adapter. */
function writeLoraRun(modelDir: string): string {
  const model = openModel(modelDir)
  const config = parseAdapterConfig({ method: 'lora', rank: 2 })
  const graph = new Graph()
  const attachment = createAdapter(config).attach(graph)
  buildDecoderOnly(model.spec as Parameters<typeof buildDecoderOnly>[0], model.checkpoint, { mode: 'forward', hooks: attachment }, graph)
  const build = attachment.finish()
  const values = build.initialValues(1)
  const rng = new Rng(5)
  const tensors = build.parameters.map((p) => {
    const data = values.get(p.name)!
    for (let i = 0; i < data.length; i++) data[i] += rng.uniform() - 0.5
    return { name: p.name, shape: p.shape, data }
  })
  const run = services.store.runs.create({ name: 'lora run', config: loraRunConfig(modelDir), method: 'lora' })
  mkdirSync(runFolder(services.dataDir, run.id), { recursive: true })
  const base = { path: modelDir, model_type: model.spec.modelType, architecture: model.info.architecture, hidden_size: model.spec.hiddenSize, num_layers: model.spec.numLayers, vocab_size: model.spec.vocabSize }
  writeAdapterFolder(join(runFolder(services.dataDir, run.id), 'adapter'), nativeAdapterConfig(config, base, build.trainableParameterCount, 10), tensors)
  services.store.runs.finish(run.id, 'completed')
  return run.id
}

beforeAll(() => {
  tmp = makeTempDir('ms-playground-')
  services = createServices({ dataDir: join(tmp.dir, 'home') })
  modelDir = writeTinyModel(join(tmp.dir, 'model'), 'qwen2', { config: { tie_word_embeddings: false } }).dir
  runId = writeLoraRun(modelDir)
})
afterAll(async () => {
  await services.close()
  tmp.remove()
})

const REQUEST = { prompt: 'the sea is', maxTokens: 8, temperature: 0.8, topP: 0.9, seed: 11 }

describe('playgroundGenerate', () => {
  it('answers for the base model and base + the run\'s adapter in a job process', async () => {
    const progress: string[] = []
    const unsubscribe = services.subscribe('onJobEvent', (event) => event.type === 'progress' && progress.push(`${event.done}/${event.total} ${event.label}`))
    const result = await dispatchCall(services, 'playgroundGenerate', { runId, ...REQUEST })
    unsubscribe()
    expect(progress[0]).toBe('0/16 Base model: loading the model')
    expect(progress).toContain('8/16 Base + adapter: loading the model')
    expect(progress.at(-1)).toBe('16/16 done')
    expect(result.ok).toBe(true)
    const answer = PlaygroundResult.parse(result.ok && result.data)
    expect(answer.model).toBe(modelDir)
    // The run marked no best checkpoint: its final adapter, saying so.
    expect(answer.adapter).toEqual({ path: join(runFolder(services.dataDir, runId), 'adapter'), method: 'lora', label: 'final adapter (no best checkpoint: it has no validation data and no early stopping to choose one by)' })
    expect(answer.base.tokens).toBeGreaterThan(0)
    expect(answer.adapted!.tokens).toBeGreaterThan(0)
    expect(answer.adapted!.text).not.toBe(answer.base.text)
    // Same seed, same settings: the base answer is what generating in-process gives.
    const reports: [number, number, string][] = []
    const local = await generateSideBySide({ model: modelDir, adapter: null, format: 'run', runConfig: loraRunConfig(modelDir), device: 'cpu', ...REQUEST }, (...report) => reports.push(report))
    // Progress counts tokens (at most ten reports a second, the last token always): loading, tokens, done.
    expect(reports[0]).toEqual([0, 8, 'Base model: loading the model'])
    expect(reports.at(-1)).toEqual([8, 8, 'done'])
    const tokenReports = reports.slice(1, -1)
    expect(tokenReports.length).toBeGreaterThan(0)
    for (const [done, total, label] of tokenReports) expect([total, label]).toEqual([8, `Base model: ${done} of 8 tokens`])
    expect(tokenReports.map(([done]) => done)).toEqual([...tokenReports.map(([done]) => done)].sort((a, b) => a - b))
    if (local.base.tokens === 8) expect(tokenReports.at(-1)![0]).toBe(8)
    expect(answer.base).toMatchObject({ text: local.base.text, tokens: local.base.tokens, finishReason: local.base.finishReason })
    // Device auto (the default) says where it generated, and why each provider it did not use was left.
    expect(answer.device).toMatch(new RegExp(`^${answer.provider}, `))
    for (const notUsed of answer.notUsed) expect(notUsed).toEqual({ provider: expect.not.stringMatching(answer.provider), reason: expect.stringMatching(/\w/) })
    expect(local).toMatchObject({ provider: 'cpu', device: 'cpu, float32', notUsed: [] })
    expect((await services.jobsList({})).some((job) => job.kind === 'generate' && job.state === 'completed')).toBe(true)
  })

  it("uses the run's best checkpoint by default and its final adapter when asked", async () => {
    const best = checkpointPath(join(runFolder(services.dataDir, runId), 'checkpoints'), 5)
    cpSync(join(runFolder(services.dataDir, runId), 'adapter'), best, { recursive: true })
    writeFileSync(join(best, STATE_FILE), JSON.stringify({ version: 1, step: 5 }))
    services.store.runs.setBestStep(runId, 5)
    try {
      const chosen = async (checkpoint?: 'best' | 'last') => {
        const result = await dispatchCall(services, 'playgroundGenerate', { runId, ...REQUEST, maxTokens: 2, device: 'cpu', ...(checkpoint ? { checkpoint } : {}) })
        return PlaygroundResult.parse(result.ok && result.data).adapter
      }
      expect(await chosen()).toEqual({ path: best, method: 'lora', label: 'best checkpoint step-5 (by eval_loss)' })
      expect(await chosen('last')).toMatchObject({ path: join(runFolder(services.dataDir, runId), 'adapter'), label: 'final adapter' })
    } finally {
      services.store.db.prepare('UPDATE runs SET best_step = NULL WHERE id = ?').run(runId)
    }
  })

  it('generates with a cancelled run from its newest checkpoint, and says why for one that saved none', async () => {
    const cancelled = services.store.runs.create({ name: 'cancelled lora', config: loraRunConfig(modelDir), method: 'lora' })
    const checkpoint = checkpointPath(join(runFolder(services.dataDir, cancelled.id), 'checkpoints'), 4)
    cpSync(join(runFolder(services.dataDir, runId), 'adapter'), checkpoint, { recursive: true })
    writeFileSync(join(checkpoint, STATE_FILE), JSON.stringify({ version: 1, step: 4 }))
    services.store.runs.finish(cancelled.id, 'cancelled')
    const result = await dispatchCall(services, 'playgroundGenerate', { runId: cancelled.id, ...REQUEST, maxTokens: 2, device: 'cpu', checkpoint: 'last' })
    expect(PlaygroundResult.parse(result.ok && result.data).adapter).toEqual({ path: checkpoint, method: 'lora', label: 'checkpoint step-4' })

    const none = services.store.runs.create({ name: 'cancelled early', config: loraRunConfig(modelDir), method: 'lora' })
    services.store.runs.finish(none.id, 'cancelled')
    expect(await dispatchCall(services, 'playgroundGenerate', { runId: none.id, ...REQUEST, checkpoint: 'last' })).toMatchObject({
      ok: false, error: { code: 'conflict', message: expect.stringContaining('cancelled early (cancelled) saved no checkpoint') },
    })
  })

  it('answers for the base model alone, given a model folder and no run', async () => {
    const result = await dispatchCall(services, 'playgroundGenerate', { modelPath: modelDir, ...REQUEST, device: 'cpu' })
    const answer = PlaygroundResult.parse(result.ok && result.data)
    expect(answer.device).toBe('cpu, float32')
    expect(answer.adapted).toBeNull()
    expect(answer.adapter).toBeNull()
  })

  it('refuses a run without an adapter and a chat prompt on a model without a template, saying why', async () => {
    const running = services.store.runs.create({ name: 'still going', config: { model: modelDir } })
    expect(await dispatchCall(services, 'playgroundGenerate', { runId: running.id, ...REQUEST })).toMatchObject({
      ok: false, error: { code: 'conflict', message: expect.stringContaining('still going has no final adapter (it is starting)') },
    })
    expect(await dispatchCall(services, 'playgroundGenerate', { runId: 'nope', ...REQUEST })).toMatchObject({ ok: false, error: { code: 'not_found' } })
    const noTemplate = writeTinyModel(join(tmp.dir, 'plain'), 'gpt2').dir
    expect(await dispatchCall(services, 'playgroundGenerate', { modelPath: noTemplate, ...REQUEST, format: 'chat' })).toMatchObject({
      ok: false, error: { code: 'invalid_input', message: expect.stringContaining('no chat template') },
    })
  })
  it("renders the prompt through the run's own template by default, ChatML for a model without one, for both answers; raw text on request", async () => {
    // The defect: the model has no chat template, so the run trained through ChatML, and a raw
    // prompt asked its adapter in a form it never saw.
    const plainModel = writeTinyModel(join(tmp.dir, 'no-template'), 'llama', { config: { tie_word_embeddings: false } }).dir
    const plainRun = writeLoraRun(plainModel)
    const asTrained = runPrompts(loraRunConfig(plainModel), plainModel)
    expect(asTrained.templateName).toBe('chatml')
    const request = { runId: plainRun, ...REQUEST, maxTokens: 4, device: 'cpu' as const }
    const byDefault = PlaygroundResult.parse(await dispatchCall(services, 'playgroundGenerate', request).then((r) => r.ok && r.data))
    expect(byDefault.template).toBe('chatml')
    expect(byDefault.promptTokens).toBe(asTrained.promptIds(REQUEST.prompt).length)
    // The base model's answer is to the same rendered prompt: the one in-process through ChatML.
    const base = await generateSideBySide({ model: plainModel, adapter: null, format: 'run', runConfig: loraRunConfig(plainModel), device: 'cpu', ...REQUEST, maxTokens: 4 })
    expect(byDefault.base).toMatchObject({ text: base.base.text, tokens: base.base.tokens })
    expect(byDefault.adapted!.tokens).toBeGreaterThan(0)
    // Raw text remains the user's choice, and the model's own template is refused, saying why.
    const raw = PlaygroundResult.parse(await dispatchCall(services, 'playgroundGenerate', { ...request, format: 'raw' }).then((r) => r.ok && r.data))
    expect(raw.template).toBeNull()
    expect(raw.promptTokens).toBeLessThan(byDefault.promptTokens)
    expect(await dispatchCall(services, 'playgroundGenerate', { ...request, format: 'chat' })).toMatchObject({
      ok: false, error: { code: 'invalid_input', message: expect.stringContaining('trained through ChatML') },
    })
    expect(await dispatchCall(services, 'playgroundGenerate', { modelPath: plainModel, ...REQUEST, format: 'run' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
  })

  it('stops when its job is cancelled, saying so', async () => {
    // Wide enough to take seconds, and no EOS, so only max tokens (or the stop) ends it.
    const slow = writeTinyModel(join(tmp.dir, 'slow'), 'qwen2', {
      config: { hidden_size: 512, intermediate_size: 1376, num_hidden_layers: 8, num_attention_heads: 8, num_key_value_heads: 4, max_position_embeddings: 4096, eos_token_id: null, tie_word_embeddings: false },
    }).dir
    const stopped: Promise<void> = new Promise((resolve) => {
      const unsubscribe = services.subscribe('onJobEvent', (event) => {
        if (event.type !== 'progress' || !/ of 2000 tokens$/.test(event.label)) return
        unsubscribe()
        void services.jobsCancel({ jobId: event.jobId }).then(() => resolve())
      })
    })
    const answer = dispatchCall(services, 'playgroundGenerate', { modelPath: slow, ...REQUEST, maxTokens: 2000, device: 'cpu' })
    await stopped
    expect(await answer).toMatchObject({ ok: false, error: { code: 'conflict', message: 'Generation was stopped before it finished' } })
  })
})
