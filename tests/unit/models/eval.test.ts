// Eval: per-example summed NLL and scored-token counts against the float64 references, the mean
// as Σ nll / Σ tokens, independence from batching, and errors that name the line.
import { describe, expect, it } from 'vitest'
import { useEvalSetup } from './eval-setup'
import { referenceLogits, referenceSeq2SeqLogits, type Logits } from '../../reference'
import { evaluate } from '../../../main/models/eval/evaluate'
import { EvalDataError, readEvalExamples, type EvalExample } from '../../../main/models/eval/examples'

const files = useEvalSetup()
const setup = files.setup

/** −Σ log softmax(reference logits)[target] over scored positions, in float64. */
function referenceNll(logits: Logits, targets: (number | null)[]): number {
  const [, , vocab] = logits.shape
  let total = 0
  targets.forEach((target, t) => {
    if (target === null) return
    const row = logits.at(0, t)
    const max = Math.max(...row)
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max
    total += logSum - row[target]
  })
  expect(vocab).toBeGreaterThan(0)
  return total
}

const ROWS = [
  { prompt: 'the cat sat', completion: ' on the mat.' },
  { text: 'in the beginning there was a tiny model' },
  { prompt: 'a', completion: ' b' },
  { prompt: 'one two three four five six', completion: ' seven eight nine' },
]

describe('eval', () => {
  it.each(['llama', 'gpt2'] as const)('%s: per-example NLL and token counts match the reference; the mean is Σnll/Σtokens', async (arch) => {
    const { dir, data, model, tokenizer } = setup(arch, ROWS)
    const examples = readEvalExamples(data, tokenizer, model.spec)
    const { scores, summary } = await evaluate(model, examples, { batchSize: 3, threads: 1 })
    expect(scores.map((s) => s.line)).toEqual([1, 2, 3, 4])
    examples.forEach((example, i) => {
      const expected = referenceNll(referenceLogits(dir, { ids: [example.ids] }), example.targets)
      expect(Math.abs(scores[i].nll - expected)).toBeLessThan(1e-3)
      expect(scores[i].tokens).toBe(example.targets.filter((t) => t !== null).length)
    })
    // Completion tokens + EOS are scored, prompt tokens are not; text rows score all but the first token.
    const eos = model.spec.tokens.eos[0]
    expect(examples[0].targets.filter((t) => t !== null)).toEqual([...tokenizer.encode(' on the mat.', false), eos])
    expect(scores[1].tokens).toBe(tokenizer.encode(ROWS[1].text!, true).length - 1)
    const tokens = scores.reduce((n, s) => n + s.tokens, 0)
    expect(summary.tokens).toBe(tokens)
    expect(summary.loss).toBeCloseTo(scores.reduce((n, s) => n + s.nll, 0) / tokens, 10)
    // Batching changes padding only, never the scores.
    const alone = await evaluate(model, examples, { batchSize: 1, threads: 1 })
    alone.scores.forEach((s, i) => expect(Math.abs(s.nll - scores[i].nll)).toBeLessThan(1e-4))
  })

  it('t5: the prompt is the encoder input, the completion the scored decoder output', async () => {
    const rows = ROWS.filter((r) => 'prompt' in r)
    const { dir, data, model, tokenizer } = setup('t5', rows)
    const examples = readEvalExamples(data, tokenizer, model.spec)
    const { scores } = await evaluate(model, examples, { batchSize: 2, threads: 1 })
    examples.forEach((e: EvalExample, i) => {
      const logits = referenceSeq2SeqLogits(dir, { encoder: { ids: [e.ids] }, decoder: { ids: [e.decoderIds!] } })
      expect(Math.abs(scores[i].nll - referenceNll(logits, e.targets))).toBeLessThan(1e-3)
      expect(e.decoderIds![0]).toBe(0) // decoder_start_token_id
    })
  })

  it('bad rows are errors naming file, line and field', () => {
    const cases: [unknown[], RegExp][] = [
      [[{ prompt: 'a', completion: 'b' }, '{not json'], /:2: not valid JSON/],
      [[{ prompt: 'a' }], /:1: field "completion" is missing/],
      [[{ text: 5 }], /:1: field "text" must be a string/],
      [[{ question: 'a' }], /:1: no "prompt"\/"completion" and no "text" field/],
      [[], /no examples/],
    ]
    for (const [rows, message] of cases) {
      const { data, model, tokenizer } = setup('llama', rows)
      expect(() => readEvalExamples(data, tokenizer, model.spec)).toThrow(EvalDataError)
      expect(() => readEvalExamples(data, tokenizer, model.spec)).toThrow(message)
    }
    const t5 = setup('t5', [{ text: 'a b c' }])
    expect(() => readEvalExamples(t5.data, t5.tokenizer, t5.model.spec)).toThrow(/T5 is an encoder-decoder model/)
  })
})
