// Text generation with a KV cache: a prefill step computes the whole prompt once, then each new
// token is one step over the cache, so n tokens cost n + 1 steps of one graph whose session is
// created once (T5: plus one encoder run). Rows of a batch are left-padded so that every row's
// last prompt token sits in the same slot.
import { readFileSync } from 'node:fs'
import { crossNames } from '../../engine/models'
import { hostTensor, type ComputeTarget, type GraphSession, type HostTensor, type ProviderVerdict } from '../../runtime'
import type { AdapterFeeds } from './adapter'
import { openCachedSessions, type CachedSessionOptions } from './cached-sessions'
import { cachePositions, KvBuffers } from './kv-buffers'
import type { OpenedModel } from './open-model'
import { TokenSampler, type SamplingOptions } from './sampling'
import { int64Matrix, int64Vector } from './tensors'

export interface GenerateRequest extends SamplingOptions {
  /** Most new tokens per row (the stop token included). */
  maxTokens: number
  /** Tokens that end a row; default: the model's EOS ids (config.json and generation_config.json). */
  stopTokens?: readonly number[]
  /** Called after each step with the new tokens so far (the longest row's), for progress. */
  onTokens?: (generated: number) => void
}

export interface GeneratedRow {
  /** New tokens only (T5: without the decoder start token), the stop token included when one ended the row. */
  tokens: number[]
  finishReason: 'stop' | 'max_tokens'
}

export interface GenerationStats {
  /** Graph runs: 1 prefill + one per further token (T5: plus the encoder run). */
  steps: number
  promptTokens: number
  generatedTokens: number
  prefillSeconds: number
  decodeSeconds: number
  /** Seconds of each step after the prefill (the sampling of its token included). */
  stepSeconds: number[]
}

/** maxPositions: the longest prompt + output in tokens. */
export type GeneratorOptions = CachedSessionOptions

export class Generator {
  private constructor(
    readonly model: OpenedModel,
    private readonly step: GraphSession,
    private readonly encoder: GraphSession | null,
    /** Where it runs: provider and precision (no static shape: a step's length varies). */
    readonly target: ComputeTarget,
    /** Providers not used, each with why. */
    readonly rejected: readonly ProviderVerdict[],
    private readonly stepAdapter: AdapterFeeds = {},
    private readonly encoderAdapter: AdapterFeeds = {},
  ) {}

  static async create(model: OpenedModel, options: GeneratorOptions = {}): Promise<Generator> {
    const opened = await openCachedSessions(model, options, { scoring: false, what: 'generation step' })
    return new Generator(model, opened.step, opened.encoder, opened.target, opened.rejected, opened.stepAdapter, opened.encoderAdapter)
  }

  get provider(): string {
    return this.step.provider
  }

  /** Generates for every prompt (token ids, at least one each). */
  async generate(prompts: readonly (readonly number[])[], request: GenerateRequest): Promise<{ rows: GeneratedRow[]; stats: GenerationStats }> {
    if (prompts.length === 0) throw new Error('generate: no prompts')
    if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1) throw new RangeError(`max tokens must be a positive integer, got ${request.maxTokens}`)
    prompts.forEach((p, i) => {
      if (p.length === 0) throw new Error(`generate: prompt ${i} is empty; a prompt needs at least one token`)
    })
    const stop = new Set(request.stopTokens ?? stopTokensOf(this.model))
    const sampler = new TokenSampler(request)
    const spec = this.model.spec
    const batch = prompts.length
    const isT5 = spec.family === 't5'

    // Slots: decoder-only rows hold their prompt right-aligned in [0, P); T5's decoder starts from one start token.
    const promptSlots = isT5 ? 1 : Math.max(...prompts.map((p) => p.length))
    const length = promptSlots + request.maxTokens
    const layers = spec.family === 't5' ? spec.numDecoderLayers : spec.numLayers
    const cache = new KvBuffers(layers, batch, spec.numKvHeads, length, spec.headDim)
    const mask = new BigInt64Array(batch * length)
    const realBefore = new Array<number>(batch).fill(0) // real tokens so far per row = next position

    const fixed: Record<string, HostTensor> = {}
    const started = performance.now()
    let firstIds: number[][]
    if (this.encoder && spec.family === 't5') {
      const encoderIds = prompts.map((p) => [...p, ...new Array<number>(Math.max(...prompts.map((q) => q.length)) - p.length).fill(spec.tokens.pad ?? 0)])
      const encoderMask = prompts.map((p) => encoderIds[0].map((_, t) => (t < p.length ? 1 : 0)))
      const encoded = await this.encoder.run({ ...this.encoderAdapter, input_ids: int64Matrix(encoderIds), attention_mask: int64Matrix(encoderMask) })
      fixed.encoder_attention_mask = int64Matrix(encoderMask)
      for (let l = 0; l < spec.numDecoderLayers; l++) {
        fixed[crossNames(l).key] = encoded[crossNames(l).key]
        fixed[crossNames(l).value] = encoded[crossNames(l).value]
      }
      firstIds = prompts.map(() => [spec.decoderStartTokenId])
    } else {
      firstIds = prompts.map((p) => [...new Array<number>(promptSlots - p.length).fill(0), ...p])
    }
    const firstMask = isT5 ? prompts.map(() => [1]) : prompts.map((p) => firstIds[0].map((_, s) => (s >= promptSlots - p.length ? 1 : 0)))

    // Prefill: the prompt (T5: the start token) in slots [0, promptSlots).
    const positions = firstMask.map((row, b) => row.map((m) => (m ? realBefore[b]++ : realBefore[b])))
    firstMask.forEach((row, b) => row.forEach((m, s) => (mask[b * length + s] = BigInt(m))))
    let logits = await this.runStep(fixed, cache, firstIds, positions, mask, length, 0)
    const prefillSeconds = (performance.now() - started) / 1000

    const rows: GeneratedRow[] = prompts.map(() => ({ tokens: [], finishReason: 'max_tokens' }))
    const done = new Array<boolean>(batch).fill(false)
    let steps = 1 + (this.encoder ? 1 : 0)
    const vocab = logits.shape[1]
    const stepSeconds: number[] = []
    let stepStart = performance.now()
    for (let t = 0; ; t++) {
      const next = rows.map((row, b) => {
        if (done[b]) return row.tokens[row.tokens.length - 1]
        const token = sampler.next((logits.data as Float32Array).subarray(b * vocab, (b + 1) * vocab))
        row.tokens.push(token)
        if (stop.has(token)) {
          done[b] = true
          row.finishReason = 'stop'
        }
        return token
      })
      request.onTokens?.(t + 1)
      if (done.every(Boolean) || t + 1 >= request.maxTokens) break
      const slot = promptSlots + t
      for (let b = 0; b < batch; b++) mask[b * length + slot] = 1n
      logits = await this.runStep(fixed, cache, next.map((id) => [id]), realBefore.map((_, b) => [realBefore[b]++]), mask, length, slot)
      steps++
      const now = performance.now()
      stepSeconds.push((now - stepStart) / 1000)
      stepStart = now
    }
    const decodeSeconds = (performance.now() - started) / 1000 - prefillSeconds
    return {
      rows,
      stats: {
        steps,
        promptTokens: prompts.reduce((n, p) => n + p.length, 0),
        generatedTokens: rows.reduce((n, r) => n + r.tokens.length, 0),
        prefillSeconds,
        decodeSeconds,
        stepSeconds,
      },
    }
  }

  private async runStep(
    fixed: Record<string, HostTensor>, cache: KvBuffers, ids: number[][], positions: number[][], mask: BigInt64Array, length: number, start: number,
  ): Promise<HostTensor> {
    const batch = ids.length
    const feeds: Record<string, HostTensor> = {
      ...this.stepAdapter,
      ...fixed,
      ...cache.feeds(),
      input_ids: int64Matrix(ids, 'input_ids'),
      position_ids: int64Matrix(positions, 'position_ids'),
      attention_mask: hostTensor('int64', [batch, length], mask),
      cache_start: int64Vector([start]),
    }
    if (this.step.inputNames.includes('cache_positions')) feeds.cache_positions = cachePositions(mask, batch, length)
    const out = await this.step.run(feeds)
    cache.write(out, start)
    return out.logits
  }

  async dispose(): Promise<void> {
    await this.step.dispose()
    await this.encoder?.dispose()
  }
}

/** EOS ids of config.json and generation_config.json together. */
export function stopTokensOf(model: OpenedModel): number[] {
  const ids = new Set(model.spec.tokens.eos)
  const path = model.info.generationConfig
  if (path) {
    try {
      const eos = (JSON.parse(readFileSync(path, 'utf-8')) as { eos_token_id?: unknown }).eos_token_id
      for (const id of Array.isArray(eos) ? eos : [eos]) if (Number.isInteger(id)) ids.add(id as number)
    } catch {
      // A broken generation_config.json only loses its extra stop tokens; config.json's remain.
    }
  }
  return [...ids]
}
