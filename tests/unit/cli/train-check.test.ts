// `train --config F --check [--measure]`: the checks before Start and the Cost panel's figures for a
// configuration, from the CLI, creating no run.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
const cli = (args: string[]) => runCli(args, { home: join(tmp.dir, 'home') })

function config(name: string, lines: string): string {
  const path = join(tmp.dir, name)
  writeFileSync(path, lines)
  return path
}

beforeAll(() => {
  tmp = makeTempDir('ms-train-check-')
  writeTinyModel(join(tmp.dir, 'model'), 'llama')
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 12)
})
afterAll(() => tmp.remove())

describe('train --check', () => {
  it('says it would train, with the trainable parameters, the memory by term and the time, and creates no run', async () => {
    const file = config('int4.yaml', 'model: { path: model, quantize: int4 }\ndata: { train: train.jsonl, max_length: 64 }\nadapter: { method: mov, experts: 2 }\ntrain: { max_steps: 10, gradient_checkpointing: true }\ndevice: cpu\n')
    const { code, stdout } = await cli(['train', '--config', file, '--check'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^.*int4\.yaml: would start \(no run was created\)\n/)
    expect(stdout).toMatch(/\ntrainable +[\d,]+ parameters \([\d.]+% of [\d,]+\) at \d+ sites\n/)
    expect(stdout).toMatch(/\nmemory +about [\d.]+ [KMG]iB\n {2}base weights +[\d.]+ [KMG]?i?B += /)
    expect(stdout).toMatch(/\n {2}activations .*one block recomputed/)
    expect(stdout).toMatch(/\nfrozen base +[\d.]+ [KM]iB -> [\d.]+ [KM]iB with int4\n/)
    expect(stdout).toMatch(/\ntime +about .+ a step, .+ in all \(a guess from the model size; --measure times it here\)\n/)
    expect((await cli(['runs', 'list', '--json'])).stdout).toBe('')
  })

  it('with --measure, times it here; with --json, one object', async () => {
    const file = config('lora.yaml', 'model: model\ndata: { train: train.jsonl, max_length: 128 }\nadapter: { method: lora, rank: 2 }\ntrain: { max_steps: 10, batch_size: 2 }\ndevice: cpu\n')
    const { code, stdout } = await cli(['train', '--config', file, '--check', '--measure', '--json'])
    expect(code).toBe(0)
    const answer = JSON.parse(stdout) as { type: string; would_start: boolean; problems: unknown[]; estimate: { time: { basis: string } }; timing: { stepsTimed: number; device: string } }
    expect(answer).toMatchObject({ type: 'check', would_start: true, problems: [], estimate: { time: { basis: 'measured-step' } }, timing: { device: 'cpu, float32' } })
    expect(answer.timing.stepsTimed).toBeGreaterThan(0)
  })

  it('names what Start would refuse, beside the figures, and exits 1', async () => {
    const file = config('bad.yaml', 'model: model\ndata: { train: nowhere.jsonl, max_length: 100000 }\nadapter: { method: ia3 }\ndevice: cpu\n')
    const { code, stdout } = await cli(['train', '--config', file, '--check'])
    expect(code).toBe(1)
    expect(stdout).toMatch(/bad\.yaml: would not start, 2 problems \(no run was created\)\n {2}refused {2}data\.train: The training file .*nowhere\.jsonl: no such file\n {2}refused {2}data\.max_length: /)
    expect((await cli(['train', '--config', file, '--measure'])).code).toBe(2)
    expect((await cli(['runs', 'list', '--json'])).stdout).toBe('')
  })
})
