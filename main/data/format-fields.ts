import type { ExampleFormat } from './types'

/** A field of an example format and the column names it is usually found under. */
export interface FormatField {
  name: string
  required: boolean
  /** Column names tried, in order, when the user has not mapped the field. */
  candidates: string[]
}

const system: FormatField = { name: 'system', required: false, candidates: ['system', 'system_prompt'] }

/** Every format's fields, in one table: detection, mapping checks and the UI read it. */
export const FORMAT_FIELDS: Record<ExampleFormat, FormatField[]> = {
  chat: [
    { name: 'messages', required: true, candidates: ['messages', 'conversations', 'conversation', 'chat', 'dialogue', 'dialog'] },
    // Keys inside each message object (OpenAI role/content, ShareGPT from/value).
    { name: 'role', required: false, candidates: ['role', 'from'] },
    { name: 'content', required: false, candidates: ['content', 'value'] },
    system,
  ],
  alpaca: [
    { name: 'instruction', required: true, candidates: ['instruction', 'instructions'] },
    { name: 'input', required: false, candidates: ['input', 'context'] },
    { name: 'output', required: true, candidates: ['output', 'response', 'answer'] },
    system,
  ],
  'prompt-completion': [
    { name: 'prompt', required: true, candidates: ['prompt', 'question', 'query', 'input'] },
    { name: 'completion', required: true, candidates: ['completion', 'response', 'answer', 'output', 'target'] },
    system,
  ],
  // A question, its choices (a list; in CSV, JSON text) and the right one (0-based index or its
  // text). A run trains on the prompt and the right choice's text as the completion.
  'multiple-choice': [
    { name: 'prompt', required: true, candidates: ['prompt', 'question', 'query', 'input'] },
    { name: 'choices', required: true, candidates: ['choices', 'options', 'candidates', 'endings'] },
    { name: 'answer', required: true, candidates: ['answer', 'label', 'answer_index', 'gold'] },
    system,
  ],
  text: [{ name: 'text', required: true, candidates: ['text', 'content', 'document', 'body'] }],
}

/** Fields whose mapping names a column of the file (chat's role/content name keys inside messages). */
export function isColumnField(format: ExampleFormat, field: string): boolean {
  return !(format === 'chat' && (field === 'role' || field === 'content'))
}
