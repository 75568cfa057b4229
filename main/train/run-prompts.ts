// A prompt as a run's training showed prompts to its model, for the run's adapter to answer: the
// user turn through the chat template its data went through (promptTemplateChoice: the model's own,
// else chatml; plain for a run trained on text rows) up to the assistant header, tokenized without
// added specials as the import tokenizes (tokenize.ts). The ids are those that preceded every
// trained answer in training; T5: the encoder input, as seq2seqParts cuts it. Asking the adapter
// a raw prompt instead asks it in a form it never saw.
import { ChatRenderer, chooseTemplate, loadTokenizerBundle, type ChatMessage } from '../data'
import type { RunConfig } from '../contract/run-config'
import { promptTemplateChoice } from './run-data'

/** The template's end of an assistant turn, which a generated answer stops at. */
export interface EndOfTurn {
  /** As rendered after an answer ("<|im_end|>", "<|eot_id|>", the EOS token of the plain template). */
  text: string
  /** Its id when it is a single token, so generation can stop there; empty when it takes several. */
  tokens: number[]
}

export interface RunPrompts {
  /** The template's name as templates.ts names it: 'model', 'chatml', or 'plain' (also for a run trained on text rows). */
  templateName: string
  /** A prompt's ids as the run's model saw prompts in training. */
  promptIds(prompt: string): number[]
  /** Where an answer ends under this template; null when the template marks no end. */
  endOfTurn: EndOfTurn | null
}

/** The run's prompt renderer: load the tokenizer and template once, then render any number of prompts. */
export function runPrompts(config: RunConfig, modelDir: string): RunPrompts {
  const bundle = loadTokenizerBundle(modelDir)
  const encode = (text: string) => bundle.tokenizer.encode(text, { add_special_tokens: false }).ids
  // A run trained on text rows (BOS + text + EOS, spans.ts) gets the plain template: a user turn
  // renders as exactly that start, BOS then the prompt, and an answer's end as EOS.
  const renderer = new ChatRenderer(chooseTemplate(promptTemplateChoice(config), bundle), bundle.specialTokens, bundle.addBosToken)
  const userTurn = (content: string): ChatMessage[] => [{ role: 'user', content }]
  return {
    templateName: renderer.chosen.name,
    promptIds: (prompt) => encode(renderer.render(userTurn(prompt), true)),
    endOfTurn: endOfTurnOf(renderer, encode),
  }
}

/** One prompt's ids through the run's template (loads the tokenizer each call: for many prompts use runPrompts). */
export function runPromptIds(config: RunConfig, modelDir: string, prompt: string): number[] {
  return runPrompts(config, modelDir).promptIds(prompt)
}

/**
 * What the template writes after an assistant's answer: a conversation rendered with an answer,
 * less the same rendered up to the assistant header, a separator some templates put before the
 * answer (Llama 2's " "), and the answer itself: the span training taught the model to produce
 * after its answer (spans.ts).
 */
function endOfTurnOf(renderer: ChatRenderer, encode: (text: string) => number[]): EndOfTurn | null {
  const answer = 'ANSWER'
  const before = renderer.render([{ role: 'user', content: 'QUESTION' }], true)
  const through = renderer.render([{ role: 'user', content: 'QUESTION' }, { role: 'assistant', content: answer }], false)
  const at = through.indexOf(answer, before.length)
  if (!through.startsWith(before) || at < 0 || through.slice(before.length, at).trim() !== '') return null
  const text = through.slice(at + answer.length).trim()
  if (text === '') return null
  const ids = encode(text)
  return { text, tokens: ids.length === 1 ? ids : [] }
}
