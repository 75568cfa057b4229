import { TemplateError } from './errors'
import type { ChatRenderer } from './render'
import type { Example } from './types'

/** A stretch of rendered text: trained (the model learns to produce it) or masked (prompt). */
export interface TextSpan {
  start: number
  end: number
  trained: boolean
}

export interface RenderedExample {
  text: string
  spans: TextSpan[]
}

/**
 * Renders an example and marks which characters are trained. Each assistant turn is located
 * by rendering the conversation up to it with the generation prompt (where the answer
 * starts) and up to and including it (where it ends, with its end-of-turn marker, so the
 * model learns to stop). Both must be prefixes of the full rendering; a template that
 * renders earlier turns differently once later ones follow is refused rather than guessed.
 */
export function renderExample(
  renderer: ChatRenderer,
  example: Example,
  trainOnPrompt: boolean,
  /** false: only the text is needed (an import without a tokenizer), so the prefix renders are skipped. */
  locateTurns = true,
): RenderedExample {
  if (example.kind === 'text') {
    const text = (renderer.bosToken ?? '') + example.text + (renderer.eosToken ?? '')
    return { text, spans: [{ start: 0, end: text.length, trained: true }] }
  }
  const { messages } = example
  const text = renderer.render(messages, false)
  if (trainOnPrompt || !locateTurns) return { text, spans: [{ start: 0, end: text.length, trained: true }] }

  const spans: TextSpan[] = []
  let cursor = 0
  messages.forEach((message, index) => {
    if (message.role !== 'assistant') return
    const before = renderer.render(messages.slice(0, index), true)
    const through = index === messages.length - 1 ? text : renderer.render(messages.slice(0, index + 1), false)
    const turn = `turn ${index + 1} (assistant)`
    if (!text.startsWith(through) || !through.startsWith(before) || before.length < cursor) {
      throw new TemplateError(
        `the ${renderer.chosen.name} chat template renders ${turn} differently once later turns follow ` +
          '(e.g. it drops past reasoning), so the trained tokens cannot be located; ' +
          'import with train_on_prompt, or choose the built-in chatml template',
      )
    }
    if (before.length > cursor) spans.push({ start: cursor, end: before.length, trained: false })
    if (through.length > before.length) spans.push({ start: before.length, end: through.length, trained: true })
    cursor = Math.max(cursor, through.length)
  })
  if (cursor < text.length) spans.push({ start: cursor, end: text.length, trained: false })
  return { text, spans }
}
