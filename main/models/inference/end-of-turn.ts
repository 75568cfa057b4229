// Where a generated answer ends under a chat template: at the model's EOS, or at the template's
// end of an assistant turn (run-prompts.ts finds it: "<|im_end|>", "<|eot_id|>"). When that end
// is one token, generation stops there; when it takes several (ChatML on a model without its
// tokens), the answer's text is cut where it shows.
import { stopTokensOf } from './generate'
import type { OpenedModel } from './open-model'

/** A template's end of turn: its text as rendered after an answer, and its id when it is one token. */
export interface TurnEnd {
  text: string
  tokens: readonly number[]
}

/** The ids that stop an answer: the model's EOS ids and the template's end of turn when it is one token. */
export function stopTokensUnder(model: OpenedModel, endOfTurn: TurnEnd | null | undefined): number[] {
  return [...new Set([...stopTokensOf(model), ...(endOfTurn?.tokens ?? [])])]
}

/** The answer's text before the end of turn, and whether it showed. */
export function textBeforeEndOfTurn(text: string, endOfTurn: TurnEnd | null | undefined): { text: string; ended: boolean } {
  const end = endOfTurn ? text.indexOf(endOfTurn.text) : -1
  return end >= 0 ? { text: text.slice(0, end), ended: true } : { text, ended: false }
}
