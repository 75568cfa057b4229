import type { Tokenizer } from '@huggingface/tokenizers'
import { TemplateError } from './errors'
import { normalizeRow, type NormalizeOptions } from './normalize'
import type { ChatRenderer } from './render'
import { renderExample, type RenderedExample } from './spans'
import { tokenizeRendered, type TokenizedExample } from './tokenize'
import type { Example, SourceRow } from './types'

export interface PipelineOptions extends NormalizeOptions {
  renderer: ChatRenderer
  trainOnPrompt: boolean
  tokenizer: Tokenizer | null
  maxLength: number | null
  /** Locate trained spans even without a tokenizer (preview shows them). */
  locateTurns?: boolean
}

export type PipelineResult =
  | { ok: true; example: Example; rendered: RenderedExample; tokenized: TokenizedExample | null }
  | { ok: false; reason: string; field?: string }

/** One row through normalisation, rendering and (with a tokenizer) tokenisation and the length check. */
export function processRow(row: SourceRow, options: PipelineOptions): PipelineResult {
  const normalized = normalizeRow(row.record, options)
  if ('reason' in normalized) return { ok: false, reason: normalized.reason, ...(normalized.field ? { field: normalized.field } : {}) }
  let rendered: RenderedExample
  try {
    rendered = renderExample(options.renderer, normalized.example, options.trainOnPrompt, options.locateTurns ?? options.tokenizer !== null)
  } catch (error) {
    if (error instanceof TemplateError) return { ok: false, reason: error.message }
    throw error
  }
  if (!options.tokenizer) return { ok: true, example: normalized.example, rendered, tokenized: null }
  const tokenized = tokenizeRendered(options.tokenizer, rendered)
  if (options.maxLength !== null && tokenized.inputIds.length > options.maxLength) {
    return {
      ok: false,
      reason:
        `longer than max_length: ${tokenized.inputIds.length} tokens > ${options.maxLength}; ` +
        'shorten the example or raise max_length',
    }
  }
  if (!tokenized.trained.includes(1)) {
    return { ok: false, reason: 'no trained tokens after rendering (the completion renders to nothing)' }
  }
  return { ok: true, example: normalized.example, rendered, tokenized }
}
