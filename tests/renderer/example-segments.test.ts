import { describe, expect, it } from 'vitest'
import { textSegments, visibleToken } from '../../renderer/src/components/datasets/example-segments'

describe('textSegments', () => {
  it('cuts the rendered text at span boundaries and masks what no span covers', () => {
    const text = 'USER hi BOT hello END'
    const segments = textSegments({ text, spans: [{ start: 12, end: 17, trained: true }, { start: 0, end: 8, trained: false }] })
    expect(segments).toEqual([
      { text: 'USER hi ', trained: false },
      { text: 'BOT ', trained: false },
      { text: 'hello', trained: true },
      { text: ' END', trained: false },
    ])
    expect(segments.map((segment) => segment.text).join('')).toBe(text)
  })

  it('never repeats characters of overlapping spans', () => {
    const segments = textSegments({ text: 'abcdef', spans: [{ start: 0, end: 4, trained: false }, { start: 2, end: 6, trained: true }] })
    expect(segments.map((segment) => segment.text).join('')).toBe('abcdef')
  })
})

describe('visibleToken', () => {
  it('makes whitespace visible, and shows a token that decodes to nothing as the space it marks', () => {
    expect(visibleToken({ id: 5, text: ' a\n' })).toBe('·a↵')
    expect(visibleToken({ id: 9, text: '' })).toBe('·')
  })
})
