// model.quantize in a run: the run trains on the quantized copy of its model (made once under the
// data folder, the user's folder only read), and a run on the same model without it on the
// weights as stored; a second run with the same scheme reuses the copy.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { quantizedRoot } from '../../../main/models/quantized/manifest'
import { openStore } from '../../../main/store'
import { runFolder, runTraining } from '../../../main/train/run-training'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => {
  tmp = makeTempDir('ms-quantized-run-')
  writeTinyModel(join(tmp.dir, 'llama'), 'llama')
})
afterAll(() => tmp.remove())

describe('model.quantize in a run', () => {
  it('trains on the quantized base, made once under the data folder, and on the stored weights without it', async () => {
    const dataDir = join(tmp.dir, 'home')
    const train = writePromptCompletionFile(join(tmp.dir, 'train.jsonl'))
    const record = (name: string, model: unknown) => {
      const config = RunConfig.parse({ model, data: { train, max_length: 128 }, adapter: { method: 'mov', experts: 2 }, train: { lr: 0.05, batch_size: 2, max_steps: 2, seed: 4 }, device: 'cpu' })
      const store = openStore(dataDir)
      try {
        return store.runs.create({ name, config, method: 'mov' }).id
      } finally {
        store.close()
      }
    }
    const losses = (runId: string) => {
      const store = openStore(dataDir)
      try {
        return store.metrics.curve(runId, 'loss').map((p) => p.value)
      } finally {
        store.close()
      }
    }
    const stored = record('stored', join(tmp.dir, 'llama'))
    const int4 = record('int4', { path: join(tmp.dir, 'llama'), quantize: 'int4' })
    const again = record('int4 again', { path: join(tmp.dir, 'llama'), quantize: 'int4' })
    const messages: string[] = []
    const onEvent = (event: { type: string; message?: string }) => event.type === 'log' && messages.push(event.message!)
    expect(await runTraining({ dataDir, runId: stored, threads: 1, onEvent })).toMatchObject({ status: 'completed', step: 2 })
    expect(messages.length).toBeGreaterThan(0)
    expect(messages.some((m) => m.startsWith('frozen base in'))).toBe(false)
    // It holds out nothing and has no eval sets: the log says what that costs.
    expect(messages).toContain('no validation data (data.validation or data.split) and no eval.sets: no eval loss curve, and no best checkpoint to pick')
    expect(await runTraining({ dataDir, runId: int4, threads: 1, onEvent })).toMatchObject({ status: 'completed', step: 2 })
    // The run log says where the copy is and which tensors stayed as stored (the tiny FFN's 48-wide down_proj).
    expect(messages).toContainEqual(expect.stringMatching(/^frozen base in int4: [\d.]+ MB in .*quantized.*; kept as stored: model\.layers\.0\.mlp\.down_proj\.weight \(its 48 input features are not a multiple of 32\)/))
    const copies = readdirSync(quantizedRoot(dataDir))
    expect(copies).toEqual([expect.stringContaining('int4')])
    expect(await runTraining({ dataDir, runId: again, threads: 1 })).toMatchObject({ status: 'completed', step: 2 })
    expect(readdirSync(quantizedRoot(dataDir))).toEqual(copies)

    // Its adapter says which base it was trained on, for generate, eval and the export to use the same.
    const recorded = (runId: string) => (JSON.parse(readFileSync(join(runFolder(dataDir, runId), 'adapter', 'adapter_config.json'), 'utf8')) as { base_model: { quantize?: string } }).base_model.quantize
    expect(recorded(int4)).toBe('int4')
    expect(recorded(stored)).toBeUndefined()

    // The same seed and data: the first loss differs only by the 4-bit weights, a little.
    const [a, b, c] = [losses(stored), losses(int4), losses(again)]
    expect(b).toEqual(c)
    expect(b[0]).not.toBe(a[0])
    expect(Math.abs(b[0] - a[0])).toBeLessThan(0.05 * a[0])

    // `runs show` names the base it trained on; `generate --run` answers on that base.
    const shown = await runCli(['runs', 'show', 'int4', '--log', '0'], { home: dataDir })
    expect(shown.stdout).toMatch(/\nmodel +\S+llama · int4 frozen base\n/)
    const generated = await runCli(['generate', '--run', 'int4', '--prompt', 'copy abc', '--max-tokens', '2', '--device', 'cpu', '--json'], { home: dataDir })
    expect(generated.code).toBe(0)
    expect(JSON.parse(generated.stdout)).toMatchObject({ run: int4, generated_tokens: expect.any(Number) })
  })
})
