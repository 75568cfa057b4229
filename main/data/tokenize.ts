import type { Tokenizer } from '@huggingface/tokenizers'
import type { RenderedExample } from './spans'

export interface TokenizedExample {
  inputIds: number[]
  /** 1 where the token is trained (its label is itself), 0 where it is masked (label -100). */
  trained: Uint8Array
  /**
   * Span boundaries where the tokenizer merged characters from both sides into one token
   * (e.g. a prompt ending mid-word). Each is reported; see tokenizeRendered.
   */
  boundaryMerges: { charOffset: number; tokenIndex: number }[]
}

/**
 * Tokenises the full rendered text once (so the ids are exactly what the model sees at
 * inference) and finds each span boundary in token space by tokenising the text before it:
 * when those ids are a prefix of the full ids, the boundary falls between tokens.
 * When they are not, one token holds characters from both sides. Such a token is trained:
 * it carries text the model must produce. The merge is returned so the import report can
 * name the row; no example is silently altered.
 */
export function tokenizeRendered(tokenizer: Tokenizer, rendered: RenderedExample): TokenizedExample {
  const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids
  const inputIds = encode(rendered.text)
  const trained = new Uint8Array(inputIds.length)
  const boundaryMerges: TokenizedExample['boundaryMerges'] = []
  const { spans } = rendered
  let tokenStart = 0
  for (let s = 0; s < spans.length; s++) {
    const span = spans[s]
    let tokenEnd: number
    if (span.end >= rendered.text.length) {
      tokenEnd = inputIds.length
    } else {
      const before = encode(rendered.text.slice(0, span.end))
      const common = commonPrefixLength(before, inputIds)
      if (common === before.length) {
        tokenEnd = before.length
      } else {
        // The token at `common` straddles the boundary: it belongs to whichever side is trained.
        const nextTrained = spans[s + 1]?.trained ?? false
        tokenEnd = span.trained && !nextTrained ? common + 1 : common
        boundaryMerges.push({ charOffset: span.end, tokenIndex: common })
      }
    }
    tokenEnd = Math.max(tokenStart, Math.min(tokenEnd, inputIds.length))
    if (span.trained) trained.fill(1, tokenStart, tokenEnd)
    tokenStart = tokenEnd
  }
  return { inputIds, trained, boundaryMerges }
}

function commonPrefixLength(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a[i] === b[i]) i++
  return i
}

/** Labels as training uses them: the token id where trained, -100 (ignored) where masked. */
export function labelsOf(example: Pick<TokenizedExample, 'inputIds' | 'trained'>): number[] {
  return example.inputIds.map((id, i) => (example.trained[i] ? id : -100))
}
