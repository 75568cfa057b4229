// A merged export is the base model with the adapter folded in: loaded WITHOUT an adapter, its
// logits equal the engine's logits of the base model WITH the adapter attached.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AdapterConfigInput } from '../../../main/engine/adapters'
import { exportAdapter } from '../../../main/export'
import { openModel } from '../../../main/models'
import { readSafetensorsHeader } from '../../../main/runtime'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { engineLogits, maxAbsDifference, writeRandomAdapter } from './support'

const TOLERANCE = 1e-4
let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir('ms-export-merged-')))
afterAll(() => tmp.remove())

// qwen2 has q/k/v biases (the (IA)³ k/v fold scales them), gpt2 fuses q|k|v into one Conv1D
// stored [in, out], t5 adapts self- and cross-attention of encoder and decoder.
const CASES: { arch: TinyArch; adapter: AdapterConfigInput }[] = [
  { arch: 'qwen2', adapter: { method: 'lora', rank: 3, alpha: 8, sites: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] } },
  { arch: 'qwen2', adapter: { method: 'ia3' } },
  { arch: 'gpt2', adapter: { method: 'lora', rank: 2, alpha: 16 } },
  { arch: 'gpt2', adapter: { method: 'ia3' } },
  { arch: 't5', adapter: { method: 'lora', rank: 4, alpha: 16 } },
  { arch: 't5', adapter: { method: 'ia3' } },
]

describe('merged export: folded weights give the logits of base + adapter', () => {
  it.each(CASES.map((c) => [`${c.arch} ${c.adapter.method}`, c] as const))('%s', async (label, { arch, adapter }) => {
    const dir = join(tmp.dir, label.replace(' ', '-'))
    const model = openModel(writeTinyModel(join(dir, 'base'), arch).dir)
    const folder = writeRandomAdapter(join(dir, 'adapter'), model, adapter)
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'merged', out: join(dir, 'merged') })

    const withAdapter = await engineLogits(model, folder)
    const merged = await engineLogits(openModel(result.path), null)
    // The adapter must matter, or equality would prove nothing.
    expect(maxAbsDifference(withAdapter, await engineLogits(model, null))).toBeGreaterThan(1e-2)
    expect(maxAbsDifference(merged, withAdapter)).toBeLessThanOrEqual(TOLERANCE)
    const names = result.files.map((f) => f.path.slice(result.path.length + 1))
    expect(names).toEqual(expect.arrayContaining(['README.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']))
  })

  it('keeps the base dtype and shard layout (bfloat16, 2 shards + index)', async () => {
    const dir = join(tmp.dir, 'bf16')
    const base = writeTinyModel(join(dir, 'base'), 'llama', { dtype: 'bfloat16', shards: 2 })
    const model = openModel(base.dir)
    const folder = writeRandomAdapter(join(dir, 'adapter'), model, { method: 'lora', rank: 2 })
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'merged', out: join(dir, 'merged') })
    const mergedModel = openModel(result.path)
    expect(mergedModel.info.weights.indexPath).not.toBeNull()
    expect(mergedModel.info.weights.files.map((f) => f.path.slice(result.path.length + 1))).toEqual(model.info.weights.files.map((f) => f.path.slice(base.dir.length + 1)))
    for (const file of mergedModel.info.weights.files) {
      for (const entry of readSafetensorsHeader(file.path).tensors.values()) expect(entry.dtype).toBe('BF16')
    }
    // bfloat16 rounding of the folded weights bounds the agreement, but the adapter is in there.
    const withAdapter = await engineLogits(model, folder)
    const baseLogits = await engineLogits(model, null)
    const merged = await engineLogits(mergedModel, null)
    expect(maxAbsDifference(merged, withAdapter)).toBeLessThan(maxAbsDifference(baseLogits, withAdapter) / 4)
  })
})
