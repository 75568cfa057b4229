import { describe, expect, it } from 'vitest'
import { detectFormat, MappingError, normalizeRow, resolveMapping } from '../../../main/data'

describe('format detection proposes a format and a mapping', () => {
  it('alpaca, with an optional input and a system column', () => {
    const detected = detectFormat([{ instruction: 'i', input: '', output: 'o', system: 's' }], 'jsonl')
    expect(detected.format).toBe('alpaca')
    expect(detected.mapping).toEqual({ instruction: 'instruction', input: 'input', output: 'output', system: 'system' })
  })

  it('OpenAI chat messages and ShareGPT conversations', () => {
    const openai = detectFormat([{ messages: [{ role: 'user', content: 'hi' }] }], 'jsonl')
    expect(openai).toMatchObject({ format: 'chat', mapping: { messages: 'messages', role: 'role', content: 'content' } })
    const sharegpt = detectFormat([{ conversations: [{ from: 'human', value: 'hi' }] }], 'jsonl')
    expect(sharegpt).toMatchObject({ format: 'chat', mapping: { messages: 'conversations', role: 'from', content: 'value' } })
  })

  it('chat messages stored as JSON text in a CSV column', () => {
    const detected = detectFormat([{ messages: '[{"role":"user","content":"hi"}]' }], 'csv')
    expect(detected.format).toBe('chat')
  })

  it('prompt/completion under other names, and plain text', () => {
    expect(detectFormat([{ question: 'q', answer: 'a' }], 'csv')).toMatchObject({
      format: 'prompt-completion',
      mapping: { prompt: 'question', completion: 'answer' },
    })
    expect(detectFormat([{ text: 't' }], 'jsonl')).toMatchObject({ format: 'text', mapping: { text: 'text' } })
  })

  it('nothing fits: no format, and the reason lists the columns', () => {
    const detected = detectFormat([{ foo: 1, bar: 2 }], 'jsonl')
    expect(detected.format).toBeNull()
    expect(detected.reason).toBe(
      'no known format fits the columns "foo", "bar": choose a format (alpaca, chat, prompt-completion, multiple-choice, text) and map its fields to columns',
    )
  })
})

describe('the user can change the mapping', () => {
  it('overrides a field', () => {
    expect(resolveMapping('prompt-completion', ['q', 'a', 'b'], {}, { prompt: 'q', completion: 'b' })).toEqual({ prompt: 'q', completion: 'b' })
  })

  it('refuses an unknown field, a missing column and an unmapped required field', () => {
    expect(() => resolveMapping('alpaca', ['instruction', 'output'], {}, { answer: 'output' })).toThrow(
      new MappingError('the alpaca format has no field "answer"; its fields are instruction, input, output, system'),
    )
    expect(() => resolveMapping('alpaca', ['instruction', 'output'], {}, { output: 'response' })).toThrow(
      new MappingError('column "response" (mapped to output) is not in the file; its columns are instruction, output'),
    )
    expect(() => resolveMapping('prompt-completion', ['question', 'answer'], {}, { prompt: 'questoin' })).toThrow(
      new MappingError('column "questoin" (mapped to prompt) is not in the file (did you mean question?); its columns are question, answer'),
    )
    expect(() => resolveMapping('prompt-completion', ['x'], {})).toThrow(
      new MappingError('no column for the prompt-completion field "prompt": map it with --map prompt=COLUMN (columns in the file: x)'),
    )
  })
})

describe('rows become canonical examples, or say what is wrong', () => {
  const chat = { format: 'chat' as const, mapping: { messages: 'messages', role: 'role', content: 'content' } }
  const sharegpt = { format: 'chat' as const, mapping: { messages: 'conversations', role: 'from', content: 'value', system: 'system' } }

  it('alpaca joins instruction and input into the user turn', () => {
    const result = normalizeRow({ instruction: 'Add', input: '2+2', output: '4' }, { format: 'alpaca', mapping: { instruction: 'instruction', input: 'input', output: 'output' } })
    expect(result).toEqual({
      example: { kind: 'chat', messages: [{ role: 'user', content: 'Add\n\n2+2' }, { role: 'assistant', content: '4' }] },
    })
  })

  it('ShareGPT roles are mapped and the system column leads', () => {
    const result = normalizeRow(
      { system: 'Be brief.', conversations: [{ from: 'human', value: 'hi' }, { from: 'gpt', value: 'hello' }] },
      sharegpt,
    )
    expect(result).toEqual({
      example: {
        kind: 'chat',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
        ],
      },
    })
  })

  it('a default system prompt fills in only where a row has none', () => {
    const withOwn = normalizeRow({ messages: [{ role: 'system', content: 'own' }, { role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }, { ...chat, systemPrompt: 'default' })
    const without = normalizeRow({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }, { ...chat, systemPrompt: 'default' })
    expect('example' in withOwn && withOwn.example.kind === 'chat' && withOwn.example.messages[0].content).toBe('own')
    expect('example' in without && without.example.kind === 'chat' && without.example.messages[0]).toEqual({ role: 'system', content: 'default' })
  })

  it.each([
    [{ messages: [{ role: 'user', content: 'q' }, { role: 'tool', content: 'x' }] }, 'unknown role "tool" in message 2 (accepted: system, user (or human), assistant (or gpt, model, bot))', 'role'],
    [{ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: '  ' }] }, 'empty completion: message 2 (assistant) is empty', 'content'],
    [{ messages: [{ role: 'user', content: 'q' }] }, 'no assistant message: nothing to train on', 'messages'],
    [{ messages: 'not a list' }, 'field "messages" (column "messages") must be a list of messages, got a string', 'messages'],
    [{ messages: [{ role: 'user' }] }, 'missing field "content" in message 1', 'content'],
    [{ other: 1 }, 'missing field "messages" (column "messages")', 'messages'],
  ])('chat row %j: %s', (record, reason, field) => {
    expect(normalizeRow(record, chat)).toEqual({ reason, field })
  })

  it.each([
    [{ prompt: 'q', completion: '' }, 'empty completion: "completion" (column "completion") is empty', 'completion'],
    [{ prompt: 'q' }, 'missing field "completion" (column "completion" is absent)', 'completion'],
    [{ prompt: 'q', completion: null }, 'missing field "completion" (column "completion" is null)', 'completion'],
    [{ prompt: { nested: true }, completion: 'a' }, 'field "prompt" (column "prompt") must be text, got an object', 'prompt'],
  ])('prompt/completion row %j: %s', (record, reason, field) => {
    expect(normalizeRow(record, { format: 'prompt-completion', mapping: { prompt: 'prompt', completion: 'completion' } })).toEqual({ reason, field })
  })

  it('numbers are written out as text', () => {
    const result = normalizeRow({ prompt: '6*7', completion: 42 }, { format: 'prompt-completion', mapping: { prompt: 'prompt', completion: 'completion' } })
    expect('example' in result && result.example.kind === 'chat' && result.example.messages[1].content).toBe('42')
  })
})
