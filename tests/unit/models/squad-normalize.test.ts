// SQuAD's answer normalisation, exact match and token F1, against values worked out by hand from
// the official evaluate-v2.0.py (normalize_answer, compute_exact, compute_f1, the max over golds).
import { describe, expect, it } from 'vitest'
import { exactMatch, normalizeAnswer, scoreAnswer, tokenF1 } from '../../../main/models/eval/squad-normalize'

describe('SQuAD answer normalisation', () => {
  it('lowercases, drops ASCII punctuation and the articles a/an/the, and collapses whitespace', () => {
    expect(normalizeAnswer('The Quick, Brown Fox!')).toBe('quick brown fox')
    expect(normalizeAnswer('  An apple\ta day\n ')).toBe('apple day')
    expect(normalizeAnswer("Rock 'n' Roll")).toBe('rock n roll')
    // Punctuation goes before articles: "the-end" becomes "theend", a word of its own.
    expect(normalizeAnswer('the-end')).toBe('theend')
    expect(normalizeAnswer('A. Lincoln')).toBe('lincoln')
  })

  it('removes articles only as whole words, where a word character is any Unicode letter or digit (Python\'s \\b)', () => {
    expect(normalizeAnswer('theatre another thea')).toBe('theatre another thea')
    // JavaScript's ASCII \b would see a boundary after "é" and strip "the"; Python's does not.
    expect(normalizeAnswer('éthe théa')).toBe('éthe théa')
    expect(normalizeAnswer('café a crème')).toBe('café crème')
    // Non-ASCII punctuation is not in string.punctuation: it stays.
    expect(normalizeAnswer('«Paris»')).toBe('«paris»')
  })
})

describe('exact match and token F1', () => {
  it('exact match compares normalised answers', () => {
    expect(exactMatch('the Eiffel Tower.', 'Eiffel tower')).toBe(1)
    expect(exactMatch('Eiffel Towers', 'Eiffel tower')).toBe(0)
  })

  it('F1 is the harmonic mean of token precision and recall', () => {
    // [cat, sat, on, mat] against [cat, on, mat]: P = 3/4, R = 3/3, F1 = 2·(3/4)/(7/4) = 6/7.
    expect(tokenF1('the cat sat on the mat', 'a cat on a mat')).toBeCloseTo(6 / 7, 12)
    // Bags, not sets: [new, york, new, york] against [new, york, city] shares 2 tokens: P = 1/2, R = 2/3, F1 = 4/7.
    expect(tokenF1('New York, New York', 'new york city')).toBeCloseTo(4 / 7, 12)
    expect(tokenF1('Denver', 'Broncos')).toBe(0)
    expect(tokenF1('The Broncos!', 'broncos')).toBe(1)
  })

  it('an empty prediction scores 0, except against a gold answer that normalises to nothing', () => {
    expect(tokenF1('', 'Paris')).toBe(0)
    expect(exactMatch('', 'Paris')).toBe(0)
    expect(tokenF1('Paris', 'the')).toBe(0)
    expect(tokenF1('', 'The')).toBe(1)
    expect(exactMatch('  ', 'the')).toBe(1)
  })

  it('several gold answers: each score is its best over them, taken separately', () => {
    expect(scoreAnswer('Denver Broncos', ['Broncos', 'Denver Broncos', 'the Denver Broncos team'])).toEqual({ exactMatch: 1, f1: 1 })
    // [broncos, of, denver] against [denver, broncos]: P = 2/3, R = 1, F1 = 0.8; against [broncos]: P = 1/3, R = 1, F1 = 0.5.
    const score = scoreAnswer('Broncos of Denver', ['Denver Broncos', 'Broncos'])
    expect(score.exactMatch).toBe(0)
    expect(score.f1).toBeCloseTo(0.8, 12)
    expect(scoreAnswer('', ['Paris', 'paris, france'])).toEqual({ exactMatch: 0, f1: 0 })
    expect(() => scoreAnswer('Paris', [])).toThrow(RangeError)
  })
})
