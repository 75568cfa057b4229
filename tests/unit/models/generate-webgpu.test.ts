// Generation on ORT's WebGPU provider (lavapipe without a GPU; see tests/helpers/webgpu.ts). The
// step graph's shapes change every call (the prompt, then one token), so ORT computes its shape
// arithmetic on the CPU; the session is kept only when a profiled warm-up shows every other node
// on the GPU (main/runtime/placement.ts). Greedy tokens must equal the CPU's, on every family.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadInferenceAdapter } from '../../../main/models/inference/adapter'
import { ForwardSession } from '../../../main/models/inference/forward'
import { Generator } from '../../../main/models/inference/generate'
import { openModel, type OpenedModel } from '../../../main/models/inference/open-model'
import type { RequestedPrecision } from '../../../main/runtime'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import type { TinyArch, TinyModelOptions } from '../../helpers/tiny-models'
import { webgpuUnavailableReason } from '../../helpers/webgpu'
import { writeRandomAdapter } from '../export/support'

const unavailable = await webgpuUnavailableReason()
const models = useTinyModels()

// Prompts of different lengths, so the batch is left-padded.
const PROMPTS = [[5, 9, 14, 3, 22], [12, 4], [7, 30, 11, 8, 6, 19, 2]]
const REQUEST = { maxTokens: 10, stopTokens: [] }
// Measured: 0 for llama, qwen2, qwen3 and gpt2 (the CPU's tokens exactly); 9.5e-4 for mistral, whose
// texts part at a near-tie. A wrong cache or mask gives gaps of whole logits.
const FP16_LOGIT_GAP = 5e-3

function tiny(arch: TinyArch, options: TinyModelOptions = {}): OpenedModel {
  // Untied heads: a tiny random model with a tied head mostly repeats its input token.
  return openModel(models.write(arch, { ...options, config: { tie_word_embeddings: false, ...(arch === 'mistral' ? { sliding_window: 4 } : {}), ...options.config } }).dir)
}

async function tokens(model: OpenedModel, device: 'cpu' | 'webgpu', precision: RequestedPrecision, adapterDir?: string) {
  const generator = await Generator.create(model, { device, precision, threads: 1, ...(adapterDir ? { adapter: loadInferenceAdapter(adapterDir, model) } : {}) })
  try {
    const { rows } = await generator.generate(PROMPTS, REQUEST)
    return { tokens: rows.map((r) => r.tokens), target: generator.target }
  } finally {
    await generator.dispose()
  }
}

/** The largest (float32 CPU max logit − logit of the token chosen) over every generated token. */
async function worstArgmaxGap(model: OpenedModel, generated: number[][]): Promise<number> {
  const rows = PROMPTS.map((p, b) => [...p, ...generated[b]])
  const width = Math.max(...rows.map((r) => r.length))
  const session = await ForwardSession.create(model, { threads: 1 })
  try {
    const { logits } = await session.run({ tokens: { ids: rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(0)]), mask: rows.map((r) => r.map(() => 1).concat(new Array<number>(width - r.length).fill(0))) } })
    const vocab = logits.shape[2]
    const data = logits.data as Float32Array
    let worst = 0
    rows.forEach((row, b) => {
      for (let t = PROMPTS[b].length; t < row.length; t++) {
        const at = (b * width + t - 1) * vocab
        const scores = data.subarray(at, at + vocab)
        worst = Math.max(worst, Math.max(...scores) - scores[row[t]])
      }
    })
    return worst
  } finally {
    await session.dispose()
  }
}

describe.skipIf(unavailable !== null)('generation on WebGPU', () => {
  describe.each(['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3', 'gemma3_text', 'gpt2', 't5'] as const)('%s', (arch) => {
    it('gives the CPU tokens in float32, and in fp16 frozen products', async () => {
      const model = tiny(arch)
      const cpu = await tokens(model, 'cpu', 'auto')
      expect(new Set(cpu.tokens.flat()).size).toBeGreaterThan(3)
      const fp32 = await tokens(model, 'webgpu', 'fp32')
      expect(fp32.target).toEqual({ provider: 'webgpu', precision: 'fp32', shape: null })
      expect(fp32.tokens).toEqual(cpu.tokens)
      const auto = await tokens(model, 'webgpu', 'auto')
      // T5's and Gemma 3's activations overflow fp16 in trained checkpoints: auto keeps them float32 off CUDA.
      const overflowsHalf = arch === 't5' || arch === 'gemma3_text'
      if (overflowsHalf) {
        expect(auto.target.precision).toBe('fp32')
        expect(auto.tokens).toEqual(cpu.tokens)
      } else {
        expect(auto.target.precision).toBe('fp16')
      }
      if (arch === 't5') return
      // fp16 products (auto's, or asked for) may flip a near-tie, and the texts part from there:
      // each token chosen must be the float32 argmax within fp16's error, on the text generated so far.
      const half = overflowsHalf ? await tokens(model, 'webgpu', 'fp16') : auto
      expect(half.target.precision).toBe('fp16')
      const gap = await worstArgmaxGap(model, half.tokens)
      expect(gap).toBeLessThanOrEqual(FP16_LOGIT_GAP)
    })
  })

  it('through a MoV adapter, as on the CPU', async () => {
    const model = tiny('qwen3')
    const adapter = writeRandomAdapter(join(models.dir, 'mov-adapter'), model, { method: 'mov', experts: 3 })
    const cpu = await tokens(model, 'cpu', 'auto', adapter.dir)
    expect(cpu.tokens).not.toEqual((await tokens(model, 'cpu', 'auto')).tokens)
    expect((await tokens(model, 'webgpu', 'fp16', adapter.dir)).tokens).toEqual(cpu.tokens)
  })

  it('refuses a graph that would do model work on the CPU, naming the nodes', async () => {
    // WebGPU has no bfloat16 kernels: in float32 the bf16 embedding lookup cannot run there.
    const model = tiny('qwen2', { dtype: 'bfloat16' })
    await expect(Generator.create(model, { device: 'webgpu', precision: 'fp32' })).rejects.toThrow(
      /device "webgpu" cannot run this generation step: .*no webgpu kernel and would run on the CPU: Gather \(bfloat16 → bfloat16\)/,
    )
    // fp16 products convert the weights, lookup table included: the same model runs there.
    expect((await tokens(model, 'webgpu', 'auto')).target.provider).toBe('webgpu')
  })
})
