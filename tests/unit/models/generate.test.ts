// KV-cache generation: equal to recomputing the whole sequence every step, token for token, on
// every architecture; stops at EOS and at max tokens; n tokens cost n graph steps.
import { describe, expect, it } from 'vitest'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import { type TinyArch, type TinyModelOptions } from '../../helpers/tiny-models'
import { openModel } from '../../../main/models/inference/open-model'
import { Generator } from '../../../main/models/inference/generate'
import { generateWithoutCache } from '../../../main/models/inference/generate-uncached'

const models = useTinyModels()

function tiny(arch: TinyArch, options: TinyModelOptions = {}) {
  return openModel(models.write(arch, options).dir)
}

// Prompts of different lengths, so the batch is left-padded.
const PROMPTS = [[5, 9, 14, 3, 22], [12, 4], [7, 30, 11, 8, 6, 19, 2]]

describe.each(['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3', 'gemma3_text', 'gpt2', 't5'] as const)('%s generation', (arch) => {
  it('with a KV cache equals recomputing every step, greedy, token for token', async () => {
    // Untied heads: a tiny random model with a tied head mostly repeats its input token, which would
    // hide cache bugs. Mistral gets a window shorter than the sequence. No stop tokens, so every row
    // runs the full length.
    const model = tiny(arch, { config: { tie_word_embeddings: false, ...(arch === 'mistral' ? { sliding_window: 4 } : {}) } })
    const request = { maxTokens: 12, stopTokens: [] }
    const generator = await Generator.create(model, { threads: 1 })
    try {
      const cached = await generator.generate(PROMPTS, request)
      const uncached = await generateWithoutCache(model, PROMPTS, request)
      expect(cached.rows.map((r) => r.tokens)).toEqual(uncached.map((r) => r.tokens))
      expect(cached.rows.every((r) => r.tokens.length === 12 && r.finishReason === 'max_tokens')).toBe(true)
      // One prefill and one step per further token (T5: and the encoder run).
      expect(cached.stats.steps).toBe(12 + (arch === 't5' ? 1 : 0))
      // Random tiny models still produce varied text: a constant output would hide cache bugs.
      expect(new Set(cached.rows.flatMap((r) => r.tokens)).size).toBeGreaterThan(3)
      // Each prompt alone gives the same tokens as in the padded batch.
      const alone = await generator.generate([PROMPTS[1]], request)
      expect(alone.rows[0].tokens).toEqual(cached.rows[1].tokens)
    } finally {
      await generator.dispose()
    }
  })
})

describe('generation stops', () => {
  it('at a stop token, which is included, and only for the row that produced it', async () => {
    const model = tiny('llama')
    const generator = await Generator.create(model, { threads: 1 })
    try {
      const free = await generator.generate(PROMPTS, { maxTokens: 10, stopTokens: [] })
      const stopAt = free.rows[0].tokens[3]
      const firstStop = free.rows[0].tokens.indexOf(stopAt)
      const stopped = await generator.generate(PROMPTS, { maxTokens: 10, stopTokens: [stopAt] })
      expect(stopped.rows[0].tokens).toEqual(free.rows[0].tokens.slice(0, firstStop + 1))
      expect(stopped.rows[0].finishReason).toBe('stop')
      for (let b = 1; b < PROMPTS.length; b++) {
        const i = free.rows[b].tokens.indexOf(stopAt)
        expect(stopped.rows[b].tokens).toEqual(i < 0 ? free.rows[b].tokens : free.rows[b].tokens.slice(0, i + 1))
      }
    } finally {
      await generator.dispose()
    }
  })

  it('at max tokens, and uses the model EOS by default', async () => {
    const model = tiny('gpt2')
    const generator = await Generator.create(model, { threads: 1 })
    try {
      const one = await generator.generate([[5, 6]], { maxTokens: 1 })
      expect(one.rows[0].tokens).toHaveLength(1)
      expect(one.stats.steps).toBe(1)
      const free = await generator.generate([[5, 6]], { maxTokens: 8, stopTokens: [] })
      const withEos = await generator.generate([[5, 6]], { maxTokens: 8 }) // gpt2's eos is 0
      const i = free.rows[0].tokens.indexOf(0)
      expect(withEos.rows[0].tokens).toEqual(i < 0 ? free.rows[0].tokens : free.rows[0].tokens.slice(0, i + 1))
      await expect(generator.generate([[]], { maxTokens: 3 })).rejects.toThrow(/empty/)
      await expect(generator.generate([[5]], { maxTokens: 0 })).rejects.toThrow(/max tokens/)
    } finally {
      await generator.dispose()
    }
  })

  it('sampling is reproducible from the seed, and equals the uncached sampler', async () => {
    const model = tiny('llama')
    const generator = await Generator.create(model, { threads: 1 })
    try {
      const request = { maxTokens: 10, stopTokens: [], temperature: 1.5, topP: 0.9, seed: 3 }
      const a = await generator.generate(PROMPTS, request)
      const b = await generator.generate(PROMPTS, request)
      expect(a.rows).toEqual(b.rows)
      expect((await generateWithoutCache(model, PROMPTS, request)).map((r) => r.tokens)).toEqual(a.rows.map((r) => r.tokens))
      const greedy = await generator.generate(PROMPTS, { maxTokens: 10, stopTokens: [] })
      expect(a.rows.map((r) => r.tokens)).not.toEqual(greedy.rows.map((r) => r.tokens))
    } finally {
      await generator.dispose()
    }
  })
})
