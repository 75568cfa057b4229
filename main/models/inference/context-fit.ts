import type { ModelSpec } from '../../engine/models/spec'

/**
 * Why a prompt and the new tokens asked for do not fit the model's context, or null when they
 * do (or the model has no fixed context). A prompt that fills the context on its own is the
 * prompt's fault, so it is the prompt the message asks to shorten. `maxTokensName` is what the
 * caller calls the number of new tokens (`--max-tokens`, "Max tokens").
 */
export function contextOverflow(promptTokens: number, maxTokens: number, contextLength: number | null, maxTokensName: string): string | null {
  if (contextLength === null || promptTokens + maxTokens <= contextLength) return null
  if (promptTokens >= contextLength) {
    return `the prompt is ${promptTokens} tokens and the model's context is ${contextLength}: shorten the prompt to fewer than ${contextLength} tokens, leaving room for the answer`
  }
  return `the prompt (${promptTokens} tokens) + ${maxTokensName} ${maxTokens} exceeds the model's context length (${contextLength}); lower ${maxTokensName} to ${contextLength - promptTokens} or less, or shorten the prompt`
}

/** `max_length` past what the model's positions allow; null when within, or when the model has no hard limit (T5's relative buckets). */
export function contextOverrun(maxLength: number, spec: ModelSpec, field = 'Max length'): string | null {
  if (spec.family === 't5' || spec.contextLength === null || maxLength <= spec.contextLength) return null
  // GPT-2 has no position past n_positions; a Llama-style model was never trained past max_position_embeddings.
  const key = spec.family === 'gpt2' ? 'n_positions' : 'max_position_embeddings'
  return `${field} ${maxLength} is more than this model's context of ${spec.contextLength} tokens (${key} in its config.json): use ${spec.contextLength} or less.`
}
