// The cached step built for scoring (what rank classification scores choices with after a cached
// prompt): rows of different lengths continue one past, fed once (batch 1); its token_nll at the
// slots label_slots names, and its logits, against the float64 references, on every architecture.
import { describe, expect, it } from 'vitest'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import type { TinyArch } from '../../helpers/tiny-models'
import { referenceLogits, referenceSeq2SeqLogits, type Logits } from '../../reference'
import { crossNames } from '../../../main/engine/models'
import { openCachedSessions, type CachedSessions } from '../../../main/models/inference/cached-sessions'
import { cachePositions, KvBuffers } from '../../../main/models/inference/kv-buffers'
import { openModel, type OpenedModel } from '../../../main/models/inference/open-model'
import { int64Matrix, int64Vector } from '../../../main/models/inference/tensors'
import { hostTensor, type HostTensor } from '../../../main/runtime'

const TOLERANCE = 1e-4
const models = useTinyModels()

const PROMPT = [5, 9, 14, 3, 22, 7]
// Two rows after the prompt: a full one and one of two real tokens, right-padded.
const ROWS = [[30, 11, 8, 6], [12, 4]]
const WIDTH = 4
// Scored slots: not all of them, and not in order, so the selection itself is checked.
const SLOTS = [3, 0, 1]
const LABELS = [[17, 23, 2], [0, 25, 26]]

function logProb(row: Float64Array, label: number): number {
  const max = Math.max(...row)
  return row[label] - (Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max)
}

/** What the scoring step must return: −log p(label) after each scored slot, 0 where that slot is a pad. */
function expectedNll(reference: (row: number) => Logits, offset: number): number[][] {
  return ROWS.map((row, b) => SLOTS.map((slot, i) => (slot < row.length ? -logProb(reference(b).at(0, offset + slot), LABELS[b][i]) : 0)))
}

function labelMask(): number[][] {
  return ROWS.map((row) => SLOTS.map((slot) => (slot < row.length ? 1 : 0)))
}

function rowsOf(t: HostTensor): number[][] {
  const [rows, width] = t.shape
  return Array.from({ length: rows }, (_, b) => Array.from((t.data as Float32Array).subarray(b * width, (b + 1) * width)))
}

function runStep(s: CachedSessions, feeds: Record<string, HostTensor>, mask: BigInt64Array, rows: number, length: number) {
  const all: Record<string, HostTensor> = { ...feeds, attention_mask: hostTensor('int64', [rows, length], mask) }
  if (s.step.inputNames.includes('cache_positions')) all.cache_positions = cachePositions(mask, rows, length)
  return s.step.run(all)
}

async function withSessions<T>(model: OpenedModel, use: (s: CachedSessions) => Promise<T>): Promise<T> {
  const sessions = await openCachedSessions(model, { threads: 1, maxPositions: 32 }, { scoring: true, what: 'scoring step' })
  try {
    return await use(sessions)
  } finally {
    await sessions.step.dispose()
    await sessions.encoder?.dispose()
  }
}

const padded = (row: number[]) => [...row, ...new Array<number>(WIDTH - row.length).fill(0)]

describe.each(['llama', 'mistral', 'qwen3', 'smollm3', 'gemma3_text', 'gpt2'] as const)('%s cached step with labels', (arch: TinyArch) => {
  it('scores the named slots of rows continuing a cached prompt as the reference does', async () => {
    // Mistral's window is shorter than prompt + row, so the cache's key positions matter.
    const dir = models.write(arch, { config: { tie_word_embeddings: false, ...(arch === 'mistral' ? { sliding_window: 4 } : {}) } }).dir
    const model = openModel(dir)
    const { spec } = model
    if (spec.family === 't5') throw new Error('decoder-only test')
    await withSessions(model, async (s) => {
      const p = PROMPT.length
      const length = p + WIDTH
      // One past for every row: the prompt's keys/values in slots [0, p), the rest of the slots masked.
      const cache = new KvBuffers(spec.numLayers, 1, spec.numKvHeads, length, spec.headDim)
      const prompt = await runStep(s, {
        ...cache.feeds(),
        input_ids: int64Matrix([PROMPT]), position_ids: int64Matrix([PROMPT.map((_, t) => t)]), cache_start: int64Vector([0]),
        label_slots: int64Vector([p - 1]), labels: int64Matrix([[0]]), label_mask: int64Matrix([[0]]),
      }, new BigInt64Array(length).fill(1n, 0, p), 1, length)
      // The last-position logits: what generation samples from, and rank classification scores a choice's first token with.
      const promptLogits = referenceLogits(dir, { ids: [PROMPT] }).at(0, p - 1)
      Array.from(prompt.logits.data as Float32Array).forEach((v, i) => expect(Math.abs(v - promptLogits[i])).toBeLessThan(TOLERANCE))
      expect(rowsOf(prompt.token_nll)).toEqual([[0]])

      cache.write(prompt, 0)
      const mask = new BigInt64Array(ROWS.length * length)
      ROWS.forEach((row, b) => mask.fill(1n, b * length, b * length + p + row.length))
      const out = await runStep(s, {
        ...cache.feeds(),
        input_ids: int64Matrix(ROWS.map(padded)), position_ids: int64Matrix(ROWS.map(() => [0, 1, 2, 3].map((t) => p + t))), cache_start: int64Vector([p]),
        label_slots: int64Vector(SLOTS), labels: int64Matrix(LABELS), label_mask: int64Matrix(labelMask()),
      }, mask, ROWS.length, length)
      const expected = expectedNll((b) => referenceLogits(dir, { ids: [[...PROMPT, ...ROWS[b]]] }), p)
      expect(out.token_nll.shape).toEqual([2, 3])
      // Logits with labels: those after the last scored slot (slot 1 here).
      ROWS.forEach((row, b) => {
        const reference = referenceLogits(dir, { ids: [[...PROMPT, ...row]] }).at(0, p + SLOTS.at(-1)!)
        const vocab = reference.length
        Array.from((out.logits.data as Float32Array).subarray(b * vocab, (b + 1) * vocab)).forEach((v, i) => expect(Math.abs(v - reference[i])).toBeLessThan(TOLERANCE))
      })
      rowsOf(out.token_nll).forEach((row, b) => row.forEach((nll, i) => expect(Math.abs(nll - expected[b][i])).toBeLessThan(TOLERANCE)))
    })
  })
})

describe('t5 cached decoder step with labels', () => {
  it('scores the named slots of decoder rows over one encoder output as the reference does', async () => {
    const dir = models.write('t5').dir
    const model = openModel(dir)
    const { spec } = model
    if (spec.family !== 't5') throw new Error('t5 test')
    await withSessions(model, async (s) => {
      const encoded = await s.encoder!.run({ input_ids: int64Matrix([PROMPT]), attention_mask: int64Matrix([PROMPT.map(() => 1)]) })
      const decoderRows = ROWS.map((row) => [spec.decoderStartTokenId, ...row.slice(0, -1)])
      // One encoder output (batch 1) for both decoder rows.
      const fixed: Record<string, HostTensor> = { encoder_attention_mask: int64Matrix([PROMPT.map(() => 1)]) }
      for (let l = 0; l < spec.numDecoderLayers; l++) for (const name of [crossNames(l).key, crossNames(l).value]) fixed[name] = encoded[name]
      const mask = new BigInt64Array(ROWS.length * WIDTH)
      decoderRows.forEach((row, b) => mask.fill(1n, b * WIDTH, b * WIDTH + row.length))
      const out = await runStep(s, {
        ...fixed, ...new KvBuffers(spec.numDecoderLayers, 1, spec.numKvHeads, WIDTH, spec.headDim).feeds(),
        input_ids: int64Matrix(decoderRows.map(padded)), position_ids: int64Matrix(ROWS.map(() => [0, 1, 2, 3])), cache_start: int64Vector([0]),
        label_slots: int64Vector(SLOTS), labels: int64Matrix(LABELS), label_mask: int64Matrix(labelMask()),
      }, mask, ROWS.length, WIDTH)
      const expected = expectedNll((b) => referenceSeq2SeqLogits(dir, { encoder: { ids: [PROMPT] }, decoder: { ids: [decoderRows[b]] } }), 0)
      rowsOf(out.token_nll).forEach((row, b) => row.forEach((nll, i) => expect(Math.abs(nll - expected[b][i])).toBeLessThan(TOLERANCE)))
    })
  })
})
