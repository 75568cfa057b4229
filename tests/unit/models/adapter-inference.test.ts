// `eval --adapter` and `generate --adapter` score and generate through a trained adapter. The
// independent check: a merged export (the adapter folded into the weights, loaded WITHOUT an
// adapter) must give the same mean loss and the same greedy tokens.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportAdapter } from '../../../main/export'
import { openModel } from '../../../main/models'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writeRandomAdapter } from '../export/support'

let tmp: ReturnType<typeof makeTempDir>
let base: string
let adapter: string
let merged: string
let data: string

async function cli(args: string[]): Promise<{ code: number; lines: Record<string, unknown>[]; stderr: string }> {
  const { code, stdout, stderr } = await runCli(args, { home: join(tmp.dir, 'home') })
  return { code, lines: stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), stderr }
}

const evalLoss = async (extra: string[]) => {
  const { code, lines } = await cli(['eval', '--model', base, '--data', data, '--json', '--threads', '1', ...extra])
  expect(code).toBe(0)
  return lines.at(-1)!.loss as number
}

beforeAll(async () => {
  tmp = makeTempDir('ms-adapter-inference-')
  base = writeTinyModel(join(tmp.dir, 'base'), 'qwen2').dir
  adapter = writeRandomAdapter(join(tmp.dir, 'adapter'), openModel(base), { method: 'lora', rank: 2, alpha: 16 }).dir
  merged = (await exportAdapter({ adapterDir: adapter }, { format: 'merged', out: join(tmp.dir, 'merged') })).path
  data = join(tmp.dir, 'data.jsonl')
  writeFileSync(data, ['{"prompt":"the cat sat","completion":" on the mat."}', '{"prompt":"one two","completion":" three four"}'].join('\n') + '\n')
})
afterAll(() => tmp.remove())

describe('inference through a trained adapter', () => {
  it('eval --adapter scores like the merged model, and unlike the base model', async () => {
    const withAdapter = await evalLoss(['--adapter', adapter])
    const baseLoss = await evalLoss([])
    const { lines } = await cli(['eval', '--model', merged, '--data', data, '--json', '--threads', '1'])
    const mergedLoss = lines.at(-1)!.loss as number
    expect(Math.abs(withAdapter - baseLoss)).toBeGreaterThan(1e-3)
    expect(Math.abs(withAdapter - mergedLoss)).toBeLessThan(1e-4)
  })

  it('generate --adapter gives the merged model\'s greedy tokens', async () => {
    const args = ['--prompt', 'the cat', '--max-tokens', '8', '--json', '--threads', '1']
    const adapted = await cli(['generate', '--model', base, '--adapter', adapter, ...args])
    const fromMerged = await cli(['generate', '--model', merged, ...args])
    expect(adapted.code).toBe(0)
    expect(adapted.lines[0].tokens).toEqual(fromMerged.lines[0].tokens)
  })

  it('refuses an adapter trained for another model, naming the tensor', async () => {
    const other = writeTinyModel(join(tmp.dir, 'other'), 'gpt2').dir
    const { code, lines } = await cli(['eval', '--model', other, '--adapter', adapter, '--data', data, '--json'])
    expect(code).toBe(1)
    expect(lines[0]).toMatchObject({ type: 'error', message: expect.stringMatching(/^adapter .* does not fit the model .*other \(gpt2: .*\n  \d+ tensors missing: transformer\.h\.0\./) })
  })

  it('refuses a folder that is not an adapter', async () => {
    const { code, stderr } = await cli(['generate', '--model', base, '--adapter', base, '--prompt', 'x', '--max-tokens', '4'])
    expect(code).toBe(1)
    expect(stderr).toMatch(/not an adapter folder/)
  })
})
