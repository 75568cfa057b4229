// SQuAD's answer comparison (the official evaluate-v2.0.py): an answer is normalised (lower case,
// ASCII punctuation removed, the articles a/an/the removed, whitespace collapsed) before exact
// match, and token F1 is the overlap of the two bags of normalised tokens. Scores follow the
// script's, so numbers compare with published ones: a prediction is scored against each gold
// answer and keeps the best.

/** Python's string.punctuation, which the script removes character by character. */
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')
/** Python's `\b(a|an|the)\b` on str: a word character there is a Unicode letter, digit or underscore, not just [A-Za-z0-9_] as JavaScript's \b. */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu

/** The answer as SQuAD compares it: lower case, no punctuation, no articles, single spaces. */
export function normalizeAnswer(text: string): string {
  const lower = text.toLowerCase()
  const noPunctuation = Array.from(lower, (c) => (PUNCTUATION.has(c) ? '' : c)).join('')
  return answerTokens(noPunctuation.replace(ARTICLES, ' ')).join(' ')
}

/** Whitespace-separated tokens (Python's str.split() with no argument: no empty ones). */
function answerTokens(text: string): string[] {
  return text.split(/\s+/u).filter((t) => t !== '')
}

/** 1 when the normalised answers are equal, else 0. */
export function exactMatch(prediction: string, gold: string): 0 | 1 {
  return normalizeAnswer(prediction) === normalizeAnswer(gold) ? 1 : 0
}

/**
 * Token F1 of the normalised answers: precision = shared tokens / prediction's, recall = shared
 * tokens / gold's, counted as bags (a token shared twice counts twice). When either side has no
 * token (an empty prediction, a gold answer of only articles), F1 is 1 if both are empty, else 0,
 * as in the v2.0 script.
 */
export function tokenF1(prediction: string, gold: string): number {
  const predicted = answerTokens(normalizeAnswer(prediction))
  const expected = answerTokens(normalizeAnswer(gold))
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0
  const left = new Map<string, number>()
  for (const token of expected) left.set(token, (left.get(token) ?? 0) + 1)
  let shared = 0
  for (const token of predicted) {
    const count = left.get(token) ?? 0
    if (count > 0) {
      shared++
      left.set(token, count - 1)
    }
  }
  if (shared === 0) return 0
  const precision = shared / predicted.length
  const recall = shared / expected.length
  return (2 * precision * recall) / (precision + recall)
}

/** Exact match and F1 against several gold answers: the best of each over them (each maximised on its own, as the script does). */
export function scoreAnswer(prediction: string, answers: readonly string[]): { exactMatch: 0 | 1; f1: number } {
  if (answers.length === 0) throw new RangeError('scoring an answer needs at least one gold answer')
  return {
    exactMatch: answers.some((gold) => exactMatch(prediction, gold) === 1) ? 1 : 0,
    f1: Math.max(...answers.map((gold) => tokenF1(prediction, gold))),
  }
}
