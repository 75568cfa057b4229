// Packed rows (data.packing): several examples end to end in one row, attention_mask holding
// segment ids and position_ids restarting per example. Each example's logits must be the ones
// the independent float64 reference gives for that example alone, whatever shares its row.
import { describe, expect, it } from 'vitest'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import { referenceLogits } from '../../reference'
import { openModel } from '../../../main/models/inference/open-model'
import { buildDecoderOnly, buildT5 } from '../../../main/engine/models'
import { Graph } from '../../../main/engine/ir'
import { createGraphSession, hostTensor } from '../../../main/runtime'

const TOLERANCE = 1e-4
const models = useTinyModels()
const tiny = models.write

const EXAMPLES = [
  [5, 9, 14, 3, 22],
  [7, 30, 11],
  [12, 4, 8, 19, 6, 25, 13],
  [17, 2],
  [21, 10, 16, 5],
]
/** Two rows of width 12: [ex0 ex1 pad pad pad pad] and [ex2 ex3 pad pad pad], ex4 alone in a third with its pads first. */
const ROWS = [[0, 1], [2, 3], [4]] as const
const WIDTH = 12

interface Slot { row: number; slot: number; example: number; at: number }

function packedFeeds() {
  const ids = new BigInt64Array(ROWS.length * WIDTH)
  const segments = new BigInt64Array(ROWS.length * WIDTH)
  const positions = new BigInt64Array(ROWS.length * WIDTH)
  const slots: Slot[] = []
  ROWS.forEach((members, row) => {
    // The last row starts with pads: a segment need not start at slot 0.
    let slot = row === 2 ? WIDTH - EXAMPLES[4].length : 0
    members.forEach((example, k) => {
      EXAMPLES[example].forEach((id, at) => {
        const i = row * WIDTH + slot
        ids[i] = BigInt(id)
        segments[i] = BigInt(k + 1)
        positions[i] = BigInt(at)
        slots.push({ row, slot, example, at })
        slot++
      })
    })
  })
  return {
    feeds: {
      input_ids: hostTensor('int64', [ROWS.length, WIDTH], ids),
      attention_mask: hostTensor('int64', [ROWS.length, WIDTH], segments),
      position_ids: hostTensor('int64', [ROWS.length, WIDTH], positions),
    },
    slots,
  }
}

async function packedLogits(dir: string) {
  const model = openModel(dir)
  if (model.spec.family === 't5') throw new Error('decoder-only models only')
  const graph = new Graph()
  buildDecoderOnly(model.spec, model.checkpoint, { packed: true, outputs: ['logits'] }, graph)
  const session = await createGraphSession(graph, { device: 'cpu', threads: 1 })
  try {
    const { feeds, slots } = packedFeeds()
    const out = await session.run(feeds)
    return { logits: out.logits.data as Float32Array, vocab: out.logits.shape[2], slots }
  } finally {
    await session.dispose()
  }
}

describe.each([
  ['llama', 'llama', {}],
  ['qwen2', 'qwen2', {}],
  ['qwen3', 'qwen3', {}],
  ['smollm3 with NoPE layers', 'smollm3', {}],
  ['gemma3_text with a window shorter than the examples on two of three layers', 'gemma3_text', { config: { sliding_window: 3 } }],
  ['gpt2', 'gpt2', {}],
  ['mistral with a sliding window shorter than the examples', 'mistral', { config: { sliding_window: 3 } }],
] as const)('%s: packed rows', (_name, arch, options) => {
  it("give every example the reference logits it has alone in a row", async () => {
    const model = tiny(arch, options)
    const { logits, vocab, slots } = await packedLogits(model.dir)
    const alone = EXAMPLES.map((ids) => referenceLogits(model.dir, { ids: [ids] }))
    let worst = 0
    for (const { row, slot, example, at } of slots) {
      const actual = logits.subarray((row * WIDTH + slot) * vocab, (row * WIDTH + slot + 1) * vocab)
      const expected = alone[example].at(0, at)
      for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(actual[v] - expected[v]))
    }
    expect(slots).toHaveLength(EXAMPLES.flat().length)
    expect(worst).toBeLessThanOrEqual(TOLERANCE)
  })
})

it('an encoder-decoder model refuses packed rows, saying what to change', () => {
  const model = openModel(tiny('t5').dir)
  const spec = model.spec
  if (spec.family !== 't5') throw new Error('expected T5')
  expect(() => buildT5(spec, model.checkpoint, { packed: true })).toThrow(/cannot pack.*data\.packing: false/)
})
