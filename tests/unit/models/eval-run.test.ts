// `eval --run RUN` scores through the run's model, adapter, chat template and masking, so it
// gives the loss the run's own eval gave. The trap it closes: `eval --adapter` of the same
// adapter on the raw rows (no template) reports another loss, and a user cannot tell why.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../../main/store'
import { runFolder } from '../../../main/train/run-training'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
let runId: string
const home = () => join(tmp.dir, 'home')
const cli = (args: string[]) => runCli(args, { home: home() })

/** The JSON lines of an eval: its examples and its summary. */
function parsed(stdout: string): { examples: { line: number; nll: number; tokens: number }[]; summary: Record<string, unknown> & { loss: number } } {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  return { examples: lines.filter((l) => l.type === 'example') as never, summary: lines.find((l) => l.type === 'eval') as never }
}

function evalLossAt(step: number): number {
  const store = openStore(home())
  try {
    const point = store.metrics.curve(runId, 'eval_loss').find((p) => p.step === step)
    if (!point) throw new Error(`no eval_loss at step ${step}`)
    return point.value
  } finally {
    store.close()
  }
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

beforeAll(async () => {
  tmp = makeTempDir('ms-eval-run-')
  writeTinyModel(join(tmp.dir, 'model'), 'qwen2') // with a ChatML chat template
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 12)
  const config = join(tmp.dir, 'run.yaml')
  writeFileSync(config, 'model: model\ndata: { train: train.jsonl, split: 4, max_length: 64 }\nadapter: { method: lora, rank: 2 }\ntrain: { lr: 0.05, batch_size: 4, max_steps: 4, eval_every: 2, save_every: 2 }\ndevice: cpu\n')
  const trained = await cli(['train', '--config', config, '--json'])
  expect(trained.code).toBe(0)
  runId = JSON.parse(trained.stdout.trim().split('\n').at(-1)!).run_id as string
}, 180_000)
afterAll(() => tmp.remove())

describe('eval --run', () => {
  it("gives the run's own last eval loss, where eval --adapter of the same adapter on the raw rows does not", async () => {
    const run = await cli(['eval', '--run', runId, '--checkpoint', 'last', '--json', '--threads', '1'])
    expect(run.code).toBe(0)
    const { examples, summary } = parsed(run.stdout)
    expect(examples).toHaveLength(4) // split: 4 held out
    expect(summary).toMatchObject({ run: runId, checkpoint: 'final adapter', adapter: join(runFolder(home(), runId), 'adapter'), template: 'model', data: 'validation' })
    // Only float summation order differs (eval batches of 8 here, the run's of 4; padding is masked).
    expect(relative(summary.loss, evalLossAt(4))).toBeLessThan(1e-5)

    // The human summary says which run, adapter and template it scored through.
    const human = await cli(['eval', '--run', runId, '--checkpoint', 'last', '--threads', '1'])
    expect(human.stdout).toMatch(new RegExp(`^mean loss \\d+\\.\\d{4} over \\d+ tokens in 4 examples \\(perplexity [\\d.]+\\) on cpu.*, run ${runId}, its final adapter, the model's chat template, its validation examples$`, 'm'))

    // The same held-out rows, raw: the adapter never saw them without the chat template.
    const rows = readFileSync(join(tmp.dir, 'train.jsonl'), 'utf8').split('\n')
    const heldOut = join(tmp.dir, 'held-out.jsonl')
    writeFileSync(heldOut, examples.map((e) => rows[e.line - 1]).join('\n') + '\n')
    const raw = await cli(['eval', '--model', join(tmp.dir, 'model'), '--adapter', join(runFolder(home(), runId), 'adapter'), '--data', heldOut, '--json', '--threads', '1'])
    expect(raw.code).toBe(0)
    expect(relative(parsed(raw.stdout).summary.loss, evalLossAt(4))).toBeGreaterThan(0.05)

    // --data renders a file exactly as the run's training rendered its own: the same loss.
    const asRun = await cli(['eval', '--run', runId, '--checkpoint', 'last', '--data', heldOut, '--json', '--threads', '1'])
    expect(asRun.code).toBe(0)
    expect(relative(parsed(asRun.stdout).summary.loss, summary.loss)).toBeLessThan(1e-6)
    expect(parsed(asRun.stdout).summary).toMatchObject({ data: heldOut, template: 'model' })
  }, 60_000)

  it('--checkpoint N scores checkpoints/step-N: the eval loss the run logged at that step', async () => {
    const run = await cli(['eval', '--run', runId, '--checkpoint', '2', '--json', '--threads', '1'])
    expect(run.code).toBe(0)
    const { summary } = parsed(run.stdout)
    expect(summary).toMatchObject({ checkpoint: 'checkpoint step-2', adapter: join(runFolder(home(), runId), 'checkpoints', 'step-2') })
    expect(relative(summary.loss, evalLossAt(2))).toBeLessThan(1e-5)
    expect(relative(summary.loss, evalLossAt(4))).toBeGreaterThan(1e-3) // a different adapter indeed
  }, 60_000)

  it('a step without a checkpoint is refused, listing the steps there are', async () => {
    const run = await cli(['eval', '--run', runId, '--checkpoint', '3'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`run ${runId} has no checkpoint at step 3`)
    expect(run.stderr).toContain('its checkpoints are at steps 2, 4')
  })

  it('scores the checkpoint the run marked best (its lowest eval loss) by default, as --checkpoint best', async () => {
    const store = openStore(home())
    const bestStep = store.runs.get(runId)!.bestStep
    const lowest = store.metrics.curve(runId, 'eval_loss').filter((p) => p.step > 0).reduce((a, b) => (b.value < a.value ? b : a))
    store.close()
    expect(bestStep).toBe(lowest.step)
    for (const args of [[], ['--checkpoint', 'best']]) {
      const run = await cli(['eval', '--run', runId, ...args, '--json', '--threads', '1'])
      expect(run.code).toBe(0)
      const { summary } = parsed(run.stdout)
      expect(summary).toMatchObject({ checkpoint: `best checkpoint step-${bestStep} (by eval_loss)`, adapter: join(runFolder(home(), runId), 'checkpoints', `step-${bestStep}`) })
      expect(relative(summary.loss, evalLossAt(bestStep!))).toBeLessThan(1e-5)
    }
  }, 60_000)

  it('refuses a --checkpoint that is not best, last or a step', async () => {
    const run = await cli(['eval', '--run', runId, '--checkpoint', 'newest'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--checkpoint must be best, last or a step number, not "newest"')
  })

  it('multiple-choice rows are ranked through the run\'s chat template, not scored raw', async () => {
    const file = join(tmp.dir, 'choices.jsonl')
    writeFileSync(file, `${JSON.stringify({ prompt: 'copy abc', choices: [' abc', ' bca'], answer: 0 })}\n`)
    const run = await cli(['eval', '--run', runId, '--checkpoint', 'last', '--data', file, '--json', '--threads', '1'])
    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines[0]).toMatchObject({ type: 'example', index: 0, line: 1, answer: 0 })
    expect(lines[1]).toMatchObject({ type: 'eval', examples: 1, run: runId, checkpoint: 'final adapter', template: 'model', data: file })
  })

  it('a --data file the run cannot render is an error naming it', async () => {
    const missing = join(tmp.dir, 'missing.jsonl')
    const run = await cli(['eval', '--run', runId, '--data', missing])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(missing)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('an unknown run, and --model with --run, are refused', async () => {
    expect((await cli(['eval', '--run', 'no-such-run'])).stderr).toContain('there is no run no-such-run')
    const both = await cli(['eval', '--run', runId, '--model', join(tmp.dir, 'model')])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain("eval --run scores through the run's own model and adapter")
  })
})

describe('eval --run of an encoder-decoder (T5) run', () => {
  it("gives the run's own last eval loss: the prompt is the encoder input, the completion the decoder's target", async () => {
    writeTinyModel(join(tmp.dir, 't5'), 't5')
    const config = join(tmp.dir, 't5-run.yaml')
    writeFileSync(config, 'model: t5\ndata: { train: train.jsonl, split: 4, max_length: 128 }\nadapter: { method: ia3 }\ntrain: { lr: 0.05, batch_size: 4, max_steps: 2, eval_every: 2, save_every: 2 }\ndevice: cpu\n')
    const trained = await cli(['train', '--config', config, '--json'])
    expect(trained.code).toBe(0)
    const t5Run = JSON.parse(trained.stdout.trim().split('\n').at(-1)!).run_id as string
    const run = await cli(['eval', '--run', t5Run, '--json', '--threads', '1'])
    expect(run.code).toBe(0)
    const store = openStore(home())
    const logged = store.metrics.curve(t5Run, 'eval_loss').at(-1)!
    store.close()
    expect(logged.step).toBe(2)
    expect(relative(parsed(run.stdout).summary.loss, logged.value)).toBeLessThan(1e-5)
  }, 120_000)
})
