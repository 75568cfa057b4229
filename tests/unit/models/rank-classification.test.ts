// Rank classification of multiple-choice rows: each choice's NLL against the float64 references
// (decoder-only and T5), no EOS scored, ties to the lowest index, accuracy with its Wilson
// interval, reader errors that name the line, and the CLI's --json and text output.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../../helpers/cli-in-process'
import { writeTinyModel } from '../../helpers/tiny-models'
import { useEvalSetup } from './eval-setup'
import { referenceLogits, referenceSeq2SeqLogits, type Logits } from '../../reference'
import { readEvalData } from '../../../main/models/eval/eval-data'
import { EvalDataError, type EvalExample } from '../../../main/models/eval/examples'
import type { MultipleChoiceQuestion } from '../../../main/models/eval/multiple-choice'
import { predictChoice, rankClassify } from '../../../main/models/eval/rank-classification'
import { wilsonInterval } from '../../../main/models/eval/wilson'
import { ModelTokenizer } from '../../../main/models/tokenizer'

const files = useEvalSetup()
const setup = files.setup

/**
 * The tiny T5 tokenizer has no post-processor; real T5 tokenizers append </s> with this one. With
 * it, encode(text, true) ends in </s>, so a choice scored with EOS would show.
 */
function appendEosLikeT5(dir: string): void {
  const file = join(dir, 'tokenizer.json')
  const json = JSON.parse(readFileSync(file, 'utf-8')) as Record<string, unknown>
  const eos = { SpecialToken: { id: '</s>', type_id: 0 } }
  json.post_processor = {
    type: 'TemplateProcessing',
    single: [{ Sequence: { id: 'A', type_id: 0 } }, eos],
    pair: [{ Sequence: { id: 'A', type_id: 0 } }, eos, { Sequence: { id: 'B', type_id: 0 } }, eos],
    special_tokens: { '</s>': { id: '</s>', ids: [(json.added_tokens as { content: string; id: number }[]).find((t) => t.content === '</s>')!.id], tokens: ['</s>'] } },
  }
  writeFileSync(file, JSON.stringify(json))
}

/** −Σ log softmax(reference logits)[target] over scored positions, in float64. */
function referenceNll(logits: Logits, targets: (number | null)[]): number {
  let total = 0
  targets.forEach((target, t) => {
    if (target === null) return
    const row = logits.at(0, t)
    const max = Math.max(...row)
    total += Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max - row[target]
  })
  return total
}

function questionsOf(data: ReturnType<typeof readEvalData>): MultipleChoiceQuestion[] {
  if (data.kind !== 'multiple-choice') throw new Error(`expected multiple-choice data, got ${data.kind}`)
  return data.questions
}

const QUESTIONS = [
  { prompt: 'the cat sat on the', choices: [' mat', ' hat', ' a very long answer indeed'], answer: 0 },
  { prompt: 'one two three', choices: [' four', ' five six'], answer: ' five six' },
  // Two identical choices score the same: the lowest index is the prediction, so answer 2 is wrong.
  { prompt: 'in the beginning', choices: [' there was', ' zz zz zz zz zz zz', ' there was'], answer: 2 },
  { prompt: 'a b c', choices: [' d', ' e', ' f', ' g'], answer: 3 },
]

describe('rank classification', () => {
  it.each(['llama', 'gpt2'] as const)('%s: each choice NLL matches the reference; the prompt is unscored and no EOS is scored', async (arch) => {
    const { dir, data, model, tokenizer } = setup(arch, QUESTIONS)
    const questions = questionsOf(readEvalData(data, tokenizer, model.spec))
    expect(questions.map((q) => [q.line, q.answer])).toEqual([[1, 0], [2, 1], [3, 2], [4, 3]])
    const { results, summary } = await rankClassify(model, questions, { threads: 1 })

    questions.forEach((question, q) => {
      const expected = question.choices.map((choice: EvalExample) => referenceNll(referenceLogits(dir, { ids: [choice.ids] }), choice.targets))
      results[q].choicesNll.forEach((nll, c) => expect(Math.abs(nll - expected[c])).toBeLessThan(1e-3))
      // Scored: exactly the choice's own tokens, after the prompt, as a completion row is tokenized.
      question.choices.forEach((choice, c) => {
        const prompt = tokenizer.encode(QUESTIONS[q].prompt, true)
        expect(choice.ids).toEqual([...prompt, ...tokenizer.encode(QUESTIONS[q].choices[c], false)])
        expect(choice.targets.filter((t) => t !== null)).toEqual(tokenizer.encode(QUESTIONS[q].choices[c], false))
        expect(results[q].choicesTokens[c]).toBe(tokenizer.encode(QUESTIONS[q].choices[c], false).length)
      })
      const best = expected.indexOf(Math.min(...expected))
      if (q !== 2) expect(results[q].prediction).toBe(best)
      expect(results[q].correct).toBe(results[q].prediction === question.answer)
    })
    // The tie: identical rows of one batch give the identical NLL, and the first of them is predicted.
    expect(results[2].choicesNll[0]).toBe(results[2].choicesNll[2])
    expect(results[2].prediction).toBe(results[2].choicesNll[1] < results[2].choicesNll[0] ? 1 : 0)
    expect(results[2].correct).toBe(false)

    const correct = results.filter((r) => r.correct).length
    expect(summary).toEqual({ accuracy: correct / 4, ci95: wilsonInterval(correct, 4), examples: 4 })

    // Length normalization ranks by −nll / tokens.
    const normalized = await rankClassify(model, questions, { threads: 1, lengthNormalize: true })
    normalized.results.forEach((r, q) => {
      const means = r.choicesNll.map((n, c) => n / r.choicesTokens[c])
      expect(r.prediction).toBe(means.indexOf(Math.min(...means)))
      r.choicesNll.forEach((n, c) => expect(n).toBeCloseTo(results[q].choicesNll[c], 4))
    })
  })

  it('t5: the prompt is the encoder input and each choice a decoder target without </s>', async () => {
    const rows = [
      { prompt: 'translate: the cat', choices: ['le chat', 'un chien noir', 'le chat'], answer: 'le chat' },
      { prompt: 'is it on?', choices: ['yes', 'no'], answer: 1 },
    ]
    const { dir, data, model } = setup('t5', rows)
    appendEosLikeT5(dir)
    const tokenizer = ModelTokenizer.load(dir)
    const eos = model.spec.tokens.eos[0]
    expect(tokenizer.encode('yes', true).at(-1)).toBe(eos)
    const questions = questionsOf(readEvalData(data, tokenizer, model.spec))
    const { results } = await rankClassify(model, questions, { threads: 1 })
    const spec = model.spec
    if (spec.family !== 't5') throw new Error(`expected a T5 spec, got ${spec.family}`)
    questions.forEach((question, q) => {
      question.choices.forEach((choice, c) => {
        expect(choice.ids).toEqual(tokenizer.encode(rows[q].prompt, true))
        expect(choice.targets).toEqual(tokenizer.encode(rows[q].choices[c], false))
        expect(choice.targets).not.toContain(eos)
        expect(choice.decoderIds).toEqual([spec.decoderStartTokenId, ...choice.targets.slice(0, -1)])
        const logits = referenceSeq2SeqLogits(dir, { encoder: { ids: [choice.ids] }, decoder: { ids: [choice.decoderIds!] } })
        expect(Math.abs(results[q].choicesNll[c] - referenceNll(logits, choice.targets))).toBeLessThan(1e-3)
      })
    })
    // "le chat" twice: the answer given as text is its first index, and the tie goes to index 0.
    expect(questions[0].answer).toBe(0)
    expect(results[0].choicesNll[0]).toBe(results[0].choicesNll[2])
    expect(results[0].prediction).not.toBe(2)
  })

  it('predicts the highest log-likelihood, by sum or per-token mean, ties to the lowest index', () => {
    expect(predictChoice([2, 3], [1, 3], false)).toBe(0)
    expect(predictChoice([2, 3], [1, 3], true)).toBe(1)
    expect(predictChoice([1.5, 0.5, 0.5], [1, 1, 1], false)).toBe(1)
    expect(predictChoice([4, 2, 4], [2, 1, 2], true)).toBe(0)
  })

  it('bad multiple-choice rows are errors naming file and line', () => {
    const mc = { prompt: 'q', choices: [' a', ' b'], answer: 0 }
    const cases: [unknown[], RegExp][] = [
      [[mc, { prompt: 'q', answer: 0 }], /:2: field "choices" is missing/],
      [[{ prompt: 'q', choices: [], answer: 0 }], /:1: field "choices" has 0 choices; a multiple-choice row needs at least 2/],
      [[{ prompt: 'q', choices: [' a'], answer: 0 }], /:1: field "choices" has 1 choice; a multiple-choice row needs at least 2/],
      [[{ prompt: 'q', choices: ' a b', answer: 0 }], /:1: field "choices" must be an array of strings/],
      [[{ prompt: 'q', choices: [' a', 2], answer: 0 }], /:1: choice 1 \(0-based\) must be a string, not 2/],
      [[mc, { prompt: 'q', choices: [' a', ' b'], answer: 2 }], /:2: answer 2 is not among the choices: give a 0-based index from 0 to 1/],
      [[{ prompt: 'q', choices: [' a', ' b'], answer: 0.5 }], /:1: answer 0.5 is not among the choices/],
      [[{ prompt: 'q', choices: [' a', ' b'], answer: ' c' }], /:1: answer " c" is not among the choices \[" a"," b"\]/],
      [[{ prompt: 'q', choices: [' a', ' b'], answer: null }], /:1: field "answer" must be a 0-based choice index or the text of a choice/],
      [[{ prompt: 'q', choices: [' a', ' b'] }], /:1: field "answer" is missing/],
      [[{ choices: [' a', ' b'], answer: 0 }], /:1: field "prompt" is missing \(multiple-choice rows are/],
      [[{ prompt: 'q', choices: [' a', ''], answer: 0 }], /:1: choice 1 \(0-based\) is empty: every choice needs text to score/],
      [[mc, { prompt: 'a', completion: ' b' }], /:2: a \{"prompt","completion"\} or \{"text"\} row, but line 1 is a multiple-choice row .*: an eval file holds one kind of row/],
      [[{ text: 'a b c' }, '', mc], /:3: a multiple-choice row .*, but line 1 is a \{"prompt","completion"\} or \{"text"\} row/],
      [[{ prompt: 'a', completion: ' b' }, { prompt: 'q', answer: 1 }], /:2: a multiple-choice row .*, but line 1 is a \{"prompt","completion"\}/],
    ]
    for (const [rows, message] of cases) {
      const { data, model, tokenizer } = setup('llama', rows)
      expect(() => readEvalData(data, tokenizer, model.spec)).toThrow(EvalDataError)
      expect(() => readEvalData(data, tokenizer, model.spec)).toThrow(message)
    }
    // A {"prompt","completion"} row with an "answer" of its own is still a completion row.
    const plain = setup('llama', [{ prompt: 'a', completion: ' b', answer: 'b' }, { text: 'a b c', answer: 1 }])
    expect(readEvalData(plain.data, plain.tokenizer, plain.model.spec).kind).toBe('loss')
  })
})

describe('mixture-studio eval on multiple-choice rows', () => {
  const home = () => join(files.dir(), 'home')
  const parse = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)

  it('--json prints each example with its choices, then the accuracy and its 95% interval', async () => {
    const { dir, data } = setup('llama', QUESTIONS)
    const result = await runCli(['eval', '--model', dir, '--data', data, '--json'], { home: home() })
    expect(result.code).toBe(0)
    const lines = parse(result.stdout)
    expect(lines).toHaveLength(5)
    lines.slice(0, 4).forEach((line, i) => {
      expect(Object.keys(line)).toEqual(['type', 'index', 'line', 'choices_nll', 'choices_tokens', 'prediction', 'answer', 'correct'])
      expect(line).toMatchObject({ type: 'example', index: i, line: i + 1, answer: [0, 1, 2, 3][i] })
      expect((line.choices_nll as number[]).length).toBe(QUESTIONS[i].choices.length)
      expect(line.correct).toBe(line.prediction === line.answer)
    })
    const correct = lines.slice(0, 4).filter((l) => l.correct).length
    expect(lines[4]).toEqual({ type: 'eval', accuracy: correct / 4, ci95: wilsonInterval(correct, 4), examples: 4, device: 'cpu, float32' })

    const text = await runCli(['eval', '--model', dir, '--data', data, '--length-normalize'], { home: home() })
    expect(text.code).toBe(0)
    const out = text.stdout.trim().split('\n')
    expect(out[0]).toMatch(/^example 0 \(line 1\) {2}prediction \d {2}answer 0 {2}(correct|wrong) {2}choices nll [\d.]+ [\d.]+ [\d.]+$/)
    expect(out[4]).toMatch(/^accuracy \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\) over 4 examples on cpu, float32$/)
  })

  it('a choice whose NLL overflows is an error, not a quietly wrong answer', async () => {
    // A head of huge weights: logits overflow to ±infinity and every NLL becomes NaN.
    const dir = writeTinyModel(join(files.dir(), 'overflowing'), 'llama', {
      editTensors: (tensors) => tensors.map((t) => (t.name === 'lm_head.weight' ? { ...t, values: t.values.map((v) => Math.sign(v) * 3e38) } : t)),
    }).dir
    const { data } = setup('llama', QUESTIONS)
    const result = await runCli(['eval', '--model', dir, '--data', data, '--threads', '1', '--device', 'cpu'], { home: home() })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^4 of 4 examples have a choice with a non-finite NLL on cpu, float32 \(the first: line 1, choice 0, NaN\), so there is no accuracy/)
    expect(result.stdout).not.toMatch(/accuracy/)
  })

  it('--length-normalize on prompt/completion rows is an error that says why', async () => {
    const { dir, data } = setup('llama', [{ prompt: 'a', completion: ' b' }])
    const result = await runCli(['eval', '--model', dir, '--data', data, '--length-normalize', '--json'], { home: home() })
    expect(result.code).toBe(1)
    expect(parse(result.stdout)[0]).toEqual({ type: 'error', message: expect.stringMatching(/^--length-normalize ranks the choices of multiple-choice rows .* has \{"prompt","completion"\} or \{"text"\} rows/) })
  })
})
