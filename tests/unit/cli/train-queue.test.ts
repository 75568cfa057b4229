// `mixture-studio train` and the run queue: while another process's run holds the CPU, train
// waits (its run `queued`, saying what it waits for) and trains once the device frees; --now
// trains alongside at once; Ctrl+C while it waits, or `runs cancel` (as the studio's Queue panel
// would), cancels the run, which never started.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main, type CliContext } from '../../../main/cli'
import { currentBootTimeMs, openStore, processStart } from '../../../main/store'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
let home: string
let yaml: string
beforeAll(() => {
  tmp = makeTempDir('ms-train-queue-')
  home = join(tmp.dir, 'home')
  writeTinyModel(join(tmp.dir, 'model'), 'llama')
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 8)
  yaml = join(tmp.dir, 'run.yaml')
  writeFileSync(yaml, 'name: cli-run\nmodel: model\ndata: { train: train.jsonl, max_length: 128 }\nadapter: { method: ia3 }\ntrain: { batch_size: 2, max_steps: 2, save_every: 10, eval_every: 10 }\ndevice: cpu\n')
})
afterAll(() => tmp.remove())

/** A run on the CPU held by another live process (this test's parent), as a studio's training would. */
function holdTheCpu(): string {
  const store = openStore(home)
  try {
    const start = processStart(process.ppid)
    const owner = { pid: process.ppid, bootTimeMs: currentBootTimeMs(), startedAt: start.state === 'started' ? start.at : null }
    return store.runs.create({ name: 'studio-run', config: { device: 'cpu' } }, new Date(), owner).id
  } finally {
    store.close()
  }
}

function release(runId: string): void {
  const store = openStore(home)
  try {
    store.runs.finish(runId, 'completed')
  } finally {
    store.close()
  }
}

function statusOf(runId: string): string | undefined {
  const store = openStore(home)
  try {
    return store.runs.get(runId)?.status
  } finally {
    store.close()
  }
}

function cli(args: string[], interrupt: Promise<void> = new Promise(() => {})) {
  let stdout = ''
  let stderr = ''
  const context: CliContext = {
    env: { MIXTURE_STUDIO_HOME: home },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    untilInterrupted: () => interrupt,
  }
  const done = main(args, context)
  return { done, out: () => stdout, err: () => stderr }
}

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const jsonLines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)

describe('mixture-studio train and the run queue', () => {
  it('waits while another process trains on the device, saying what it waits for, then trains', async () => {
    const holder = holdTheCpu()
    const train = cli(['train', '--config', yaml, '--json'])
    await until('train to say it is queued', () => train.out().includes('"status":"queued"'))
    const waiting = jsonLines(train.out())
    expect(waiting[1]).toMatchObject({ type: 'log', level: 'info', message: expect.stringMatching(/^run cli-run \(.+\) is queued: cpu is training studio-run\. It starts when cpu is free; Ctrl\+C cancels it, and --now trains alongside instead$/) })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(train.out()).not.toContain('"type":"step"')
    release(holder)
    expect(await train.done).toBe(0)
    const done = jsonLines(train.out()).at(-1)!
    expect(done).toMatchObject({ type: 'done', step: 2 })
    expect(statusOf(done.run_id as string)).toBe('completed')
  }, 90_000)

  it('trains at once beside the other run with --now', async () => {
    const holder = holdTheCpu()
    try {
      const train = cli(['train', '--config', yaml, '--json', '--now'])
      expect(await train.done).toBe(0)
      expect(train.out()).not.toContain('"status":"queued"')
    } finally {
      release(holder)
    }
  }, 90_000)

  it('cancels its run on Ctrl+C while it waits: the run never starts', async () => {
    const holder = holdTheCpu()
    let interrupt!: () => void
    const train = cli(['train', '--config', yaml], new Promise((resolve) => (interrupt = resolve)))
    await until('train to say it is queued', () => train.out().includes('is queued'))
    interrupt()
    expect(await train.done).toBe(1)
    expect(train.err()).toMatch(/^run (\S+) was cancelled while queued; it never started\n$/)
    const runId = /^run (\S+) was cancelled/.exec(train.err())![1]
    expect(statusOf(runId)).toBe('cancelled')
    release(holder)
  }, 90_000)

  it('stops waiting when its queued run is cancelled elsewhere (runs cancel, a studio\'s Queue panel)', async () => {
    const holder = holdTheCpu()
    const train = cli(['train', '--config', yaml, '--json'])
    await until('train to say it is queued', () => train.out().includes('"status":"queued"'))
    const queued = jsonLines(train.out())[1].message as string
    const runId = /^run cli-run \((\S+)\) is queued/.exec(queued)![1]
    const cancel = cli(['runs', 'cancel', runId])
    expect(await cancel.done).toBe(0)
    expect(cancel.out()).toBe(`cli-run (${runId}): cancelled\n`)
    expect(await train.done).toBe(1)
    expect(jsonLines(train.out()).at(-1)).toEqual({ type: 'error', message: `run ${runId} was cancelled while it waited for its device; it did not start` })
    expect(statusOf(runId)).toBe('cancelled')
    release(holder)
  }, 90_000)
})
