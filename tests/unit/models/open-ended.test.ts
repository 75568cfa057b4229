// Open-ended rows: how they are told apart from multiple-choice and loss rows, errors that name
// the line, and greedy answers that are exactly the Generator's greedy output, scored by SQuAD's
// exact match and F1.
import { describe, expect, it } from 'vitest'
import { useEvalSetup } from './eval-setup'
import { readEvalData } from '../../../main/models/eval/eval-data'
import { EvalDataError } from '../../../main/models/eval/examples'
import type { OpenEndedQuestion } from '../../../main/models/eval/open-ended'
import { answerOpenEnded, greedyAnswers } from '../../../main/models/eval/open-ended-answers'
import { scoreAnswer } from '../../../main/models/eval/squad-normalize'
import { wilsonInterval } from '../../../main/models/eval/wilson'
import { Generator, stopTokensOf } from '../../../main/models/inference/generate'

const files = useEvalSetup()

function questionsOf(data: ReturnType<typeof readEvalData>): OpenEndedQuestion[] {
  if (data.kind !== 'open-ended') throw new Error(`expected open-ended data, got ${data.kind}`)
  return data.questions
}

// Prompts of different lengths, so a batch of them is left-padded.
const ROWS = [
  { prompt: 'the capital of france is', answers: ['Paris', 'paris, france'] },
  { prompt: 'one two', answer: 'three' },
  { prompt: 'in the beginning there was a very long prompt', answers: ['light'] },
]

describe('open-ended rows', () => {
  it('{"prompt","answers"} and {"prompt","answer":"text"} rows are open-ended; the prompt is tokenized raw, as plain eval does', () => {
    const { data, model, tokenizer } = files.setup('llama', ROWS)
    const questions = questionsOf(readEvalData(data, tokenizer, model.spec))
    expect(questions).toEqual(
      ROWS.map((row, i) => ({ line: i + 1, prompt: row.prompt, promptIds: tokenizer.encode(row.prompt, true), answers: 'answers' in row ? row.answers : [row.answer] })),
    )
    // A multiple-choice row keeps its kind: "choices", or an index "answer" without them.
    const choice = files.setup('llama', [{ prompt: 'q', choices: [' a', ' b'], answer: 'a' }])
    expect(() => readEvalData(choice.data, choice.tokenizer, choice.model.spec)).toThrow(/:1: answer "a" is not among the choices/)
  })

  it('bad open-ended rows are errors naming file and line', () => {
    const ok = { prompt: 'q', answers: ['x'] }
    const cases: [unknown[], RegExp][] = [
      [[ok, { prompt: 'q', answers: ['x', 3] }], /:2: answer 1 \(0-based\) must be a string, not 3/],
      [[ok, ok, { prompt: 'q', answers: [] }], /:3: field "answers" is empty; give at least one right answer/],
      [[{ prompt: 'q', answers: 'x' }], /:1: field "answers" must be an array of strings, not "x"/],
      [[{ prompt: 'q', answers: ['x', ' '] }], /:1: answer 1 \(0-based\) is blank/],
      [[{ prompt: 'q', answer: '' }], /:1: field "answer" is blank/],
      [[{ prompt: 'q', answers: ['x'], answer: 'x' }], /:1: give "answers" \(a list\) or "answer" \(one text\), not both/],
      [[{ answers: ['x'] }], /:1: field "prompt" is missing \(open-ended rows are/],
      [[{ prompt: '', answers: ['x'] }], /:1: the prompt has no tokens/],
      [[ok, { prompt: 'q', choices: [' a', ' b'], answer: 0 }], /:2: a multiple-choice row .*, but line 1 is an open-ended row .*: an eval file holds one kind of row/],
      [[{ prompt: 'a', completion: ' b' }, '', ok], /:3: an open-ended row .*, but line 1 is a \{"prompt","completion"\} or \{"text"\} row/],
    ]
    for (const [rows, message] of cases) {
      const { data, model, tokenizer } = files.setup('llama', rows)
      expect(() => readEvalData(data, tokenizer, model.spec)).toThrow(EvalDataError)
      expect(() => readEvalData(data, tokenizer, model.spec)).toThrow(message)
    }
  })
})

describe('greedy answers', () => {
  it.each(['llama', 't5'] as const)('%s: each answer is the Generator\'s greedy output for its prompt alone, scored by exact match and F1', async (arch) => {
    const { model, tokenizer } = files.setup(arch, [])
    const prompts = ROWS.map((r) => tokenizer.encode(r.prompt, true))
    const maxNewTokens = 6
    // The reference: one prompt at a time, temperature 0, straight from the Generator.
    const generator = await Generator.create(model, { threads: 1 })
    let expected: { tokens: number[]; text: string }[]
    try {
      expected = []
      for (const prompt of prompts) {
        const { rows } = await generator.generate([prompt], { maxTokens: maxNewTokens, temperature: 0 })
        const row = rows[0]
        const kept = row.finishReason === 'stop' ? row.tokens.slice(0, -1) : row.tokens
        expected.push({ tokens: row.tokens, text: tokenizer.decode(kept).trim() })
      }
      // Two prompts per call: the batch is left-padded and the answers come back in order.
      const batched = await greedyAnswers(generator, tokenizer, prompts, { maxNewTokens, batchSize: 2 })
      expect(batched.map((a) => a.tokens)).toEqual(expected.map((e) => e.tokens))
      expect(batched.map((a) => a.text)).toEqual(expected.map((e) => e.text))
    } finally {
      await generator.dispose()
    }
    expect(expected.some((e) => e.text !== '')).toBe(true)

    // The first question's gold answer is what the model says, so it matches exactly.
    const questions: OpenEndedQuestion[] = ROWS.map((row, i) => ({ line: i + 1, prompt: row.prompt, promptIds: prompts[i], answers: i === 0 ? [`${expected[0].text}.`] : ['zzz'] }))
    const seen: number[] = []
    const { results, summary } = await answerOpenEnded(model, tokenizer, questions, { threads: 1, maxNewTokens, batchSize: 2, onExample: (r) => seen.push(r.index) })
    expect(seen).toEqual([0, 1, 2])
    results.forEach((r, i) => {
      expect(r).toEqual({ index: i, line: i + 1, prediction: expected[i].text, answers: questions[i].answers, ...scoreAnswer(expected[i].text, questions[i].answers) })
    })
    expect(results[0].exactMatch).toBe(1)
    const matches = results.filter((r) => r.exactMatch === 1).length
    expect(summary).toEqual({ exactMatch: matches / 3, exactMatchCi95: wilsonInterval(matches, 3), f1: results.reduce((s, r) => s + r.f1, 0) / 3, examples: 3 })
  })

  it('an answer stops at a stop token, which its text leaves out, and at the end-of-turn text', async () => {
    const { model, tokenizer } = files.setup('llama', [])
    const prompt = tokenizer.encode('hello world', true)
    const generator = await Generator.create(model, { threads: 1 })
    try {
      const [free] = await greedyAnswers(generator, tokenizer, [prompt], { maxNewTokens: 8 })
      expect(free.tokens.length).toBeGreaterThan(3)
      // The third token as the template's end of turn: the answer is what comes before it.
      const endToken = free.tokens[2]
      const first = free.tokens.indexOf(endToken)
      const [stopped] = await greedyAnswers(generator, tokenizer, [prompt], { maxNewTokens: 8, endOfTurn: { text: tokenizer.decode([endToken]), tokens: [endToken] } })
      expect(stopped.tokens).toEqual(free.tokens.slice(0, first + 1))
      expect(stopped.finishReason).toBe('stop')
      expect(stopped.text).toBe(tokenizer.decode(free.tokens.slice(0, first)).trim())
      expect(stopTokensOf(model)).not.toContain(endToken)
      // An end of turn of several tokens cannot stop generation; the answer's text is cut where it shows.
      const marker = tokenizer.decode(free.tokens.slice(2, 4))
      const [cut] = await greedyAnswers(generator, tokenizer, [prompt], { maxNewTokens: 8, endOfTurn: { text: marker, tokens: [] } })
      expect(cut.tokens).toEqual(free.tokens)
      expect(cut.text).toBe(tokenizer.decode(free.tokens).split(marker)[0].trim())
      expect(cut.text.length).toBeLessThan(free.text.length)
    } finally {
      await generator.dispose()
    }
  })

  it('a prompt that leaves no room for the answer is an error naming its line', async () => {
    const { model, tokenizer } = files.setup('llama', [])
    const context = model.spec.contextLength!
    const questions: OpenEndedQuestion[] = [{ line: 7, prompt: 'long', promptIds: new Array<number>(context - 2).fill(5), answers: ['x'] }]
    await expect(answerOpenEnded(model, tokenizer, questions, { maxNewTokens: 4, maxNewTokensName: '--max-new-tokens' })).rejects.toThrow(/^line 7: the prompt \(\d+ tokens\) \+ --max-new-tokens 4 exceeds the model's context length/)
  })
})
