// A prompt too long for the model is the prompt's fault, and the message says so; one that fits
// with fewer new tokens says how many.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateSideBySide } from '../../../main/jobs/kinds/generate'
import { contextOverflow } from '../../../main/models/inference/context-fit'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir()))
afterEach(() => temp.remove())

describe('prompt and new tokens against the context', () => {
  it('asks to shorten a prompt that fills the context by itself, and to ask for fewer tokens otherwise', () => {
    expect(contextOverflow(10_000, 1, 2048, '--max-tokens')).toBe(
      "the prompt is 10000 tokens and the model's context is 2048: shorten the prompt to fewer than 2048 tokens, leaving room for the answer",
    )
    expect(contextOverflow(2048, 1, 2048, '--max-tokens')).toMatch(/^the prompt is 2048 tokens/)
    expect(contextOverflow(2000, 100, 2048, '--max-tokens')).toBe(
      "the prompt (2000 tokens) + --max-tokens 100 exceeds the model's context length (2048); lower --max-tokens to 48 or less, or shorten the prompt",
    )
    expect(contextOverflow(2000, 48, 2048, '--max-tokens')).toBeNull()
    expect(contextOverflow(10_000, 100, null, '--max-tokens')).toBeNull()
  })

  it('the Playground refuses a prompt longer than the context by its length, not by Max tokens', async () => {
    const model = writeTinyModel(join(temp.dir, 'model'), 'qwen2')
    const request = { model: model.dir, adapter: null, prompt: 'many words '.repeat(100), format: 'raw' as const, maxTokens: 8, temperature: 0, topP: 1, seed: 0, device: 'cpu' as const }
    await expect(generateSideBySide(request)).rejects.toThrow(/^the prompt is \d{3,} tokens and the model's context is 128: shorten the prompt/)
  })
})
