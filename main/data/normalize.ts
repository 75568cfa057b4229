import { asJsonList } from './detect-format'
import { isMultipleChoiceFault, readMultipleChoice } from './multiple-choice'
import type { ChatMessage, ColumnMapping, Example, ExampleFormat, Role } from './types'

export type NormalizeResult = { example: Example } | { reason: string; field?: string }

const ROLE_ALIASES: Record<string, Role> = {
  system: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  model: 'assistant',
  bot: 'assistant',
}
const ACCEPTED_ROLES = 'system, user (or human), assistant (or gpt, model, bot)'

export interface NormalizeOptions {
  format: ExampleFormat
  mapping: ColumnMapping
  /** Used when a row brings no system prompt of its own. */
  systemPrompt?: string
}

/** Turns one row into the canonical example, or says what is wrong with it. */
export function normalizeRow(record: Record<string, unknown>, options: NormalizeOptions): NormalizeResult {
  const { format, mapping } = options
  try {
    switch (format) {
      case 'text':
        return { example: { kind: 'text', text: requiredText(record, mapping, 'text', 'empty text') } }
      case 'prompt-completion':
        return chat(options, record, [
          { role: 'user', content: requiredText(record, mapping, 'prompt', 'empty prompt') },
          { role: 'assistant', content: requiredText(record, mapping, 'completion', 'empty completion') },
        ])
      case 'multiple-choice': {
        // Training learns the right choice as the completion of the prompt.
        const prompt = requiredText(record, mapping, 'prompt', 'empty prompt')
        const read = readMultipleChoice(record, { choices: mapping.choices, answer: mapping.answer })
        if (isMultipleChoiceFault(read)) throw new RowFault(read.reason, read.field)
        return chat(options, record, [
          { role: 'user', content: prompt },
          { role: 'assistant', content: read.choices[read.answer] },
        ])
      }
      case 'alpaca': {
        const instruction = text(record, mapping, 'instruction', true) ?? ''
        const input = text(record, mapping, 'input', false) ?? ''
        const prompt = [instruction, input].filter((part) => part.trim() !== '').join('\n\n')
        if (prompt === '') throw new RowFault('empty prompt: "instruction" and "input" are both empty', 'instruction')
        return chat(options, record, [
          { role: 'user', content: prompt },
          { role: 'assistant', content: requiredText(record, mapping, 'output', 'empty completion') },
        ])
      }
      case 'chat':
        return chat(options, record, messages(record, mapping))
      default:
        throw new Error(`unknown format ${String(format satisfies never)}`)
    }
  } catch (error) {
    if (error instanceof RowFault) return { reason: error.message, ...(error.field ? { field: error.field } : {}) }
    throw error
  }
}

class RowFault extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

function chat(options: NormalizeOptions, record: Record<string, unknown>, list: ChatMessage[]): NormalizeResult {
  if (list[0]?.role !== 'system') {
    const system = text(record, options.mapping, 'system', false) || options.systemPrompt
    if (system) list = [{ role: 'system', content: system }, ...list]
  }
  return { example: { kind: 'chat', messages: list } }
}

function messages(record: Record<string, unknown>, mapping: ColumnMapping): ChatMessage[] {
  const column = mapping.messages
  const raw = record[column]
  if (raw === undefined || raw === null) throw new RowFault(`missing field "messages" (column "${column}")`, 'messages')
  const list = asJsonList(raw)
  if (!list) throw new RowFault(`field "messages" (column "${column}") must be a list of messages, got ${describe(raw)}`, 'messages')
  if (list.length === 0) throw new RowFault(`field "messages" (column "${column}") is an empty list`, 'messages')
  const roleKey = mapping.role ?? 'role'
  const contentKey = mapping.content ?? 'content'
  const result = list.map((item, index): ChatMessage => {
    const where = `message ${index + 1}`
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new RowFault(`${where} must be an object with "${roleKey}" and "${contentKey}", got ${describe(item)}`, 'messages')
    }
    const message = item as Record<string, unknown>
    const rawRole = message[roleKey]
    if (typeof rawRole !== 'string') throw new RowFault(`missing field "${roleKey}" in ${where}`, 'role')
    const role = ROLE_ALIASES[rawRole.toLowerCase()]
    if (!role) throw new RowFault(`unknown role "${rawRole}" in ${where} (accepted: ${ACCEPTED_ROLES})`, 'role')
    const content = message[contentKey]
    if (content === undefined || content === null) throw new RowFault(`missing field "${contentKey}" in ${where}`, 'content')
    if (typeof content !== 'string' && typeof content !== 'number' && typeof content !== 'boolean') {
      throw new RowFault(`field "${contentKey}" in ${where} must be text, got ${describe(content)}`, 'content')
    }
    return { role, content: String(content) }
  })
  const assistantTurns = result.filter((message) => message.role === 'assistant')
  if (assistantTurns.length === 0) throw new RowFault('no assistant message: nothing to train on', 'messages')
  const empty = result.findIndex((message) => message.role === 'assistant' && message.content.trim() === '')
  if (empty >= 0) throw new RowFault(`empty completion: message ${empty + 1} (assistant) is empty`, 'content')
  return result
}

function requiredText(record: Record<string, unknown>, mapping: ColumnMapping, field: string, emptyReason: string): string {
  const value = text(record, mapping, field, true) as string
  if (value.trim() === '') throw new RowFault(`${emptyReason}: "${field}" (column "${mapping[field]}") is empty`, field)
  return value
}

/** A field's text; numbers and booleans are written out, anything else is a fault. */
function text(record: Record<string, unknown>, mapping: ColumnMapping, field: string, required: boolean): string | undefined {
  const column = mapping[field]
  if (column === undefined) return undefined
  const value = record[column]
  if (value === undefined || value === null) {
    if (!required) return undefined
    throw new RowFault(`missing field "${field}" (column "${column}"${value === null ? ' is null' : ' is absent'})`, field)
  }
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new RowFault(`field "${field}" (column "${column}") must be text, got ${describe(value)}`, field)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
