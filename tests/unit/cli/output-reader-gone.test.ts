// `mixture-studio train --json | head -3`: the reader of the CLI's output goes away while it
// trains. The next write fails with EPIPE; the CLI must stop as Ctrl+C stops it (a checkpoint,
// the run cancelled and resumable), not die with a stack trace in the middle of a step.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore } from '../../../main/store'
import { listCheckpoints, readCheckpoint } from '../../../main/train/checkpoint'
import { whyRunCannotTrain } from '../../../main/train/resume-refusal'
import { runFolder } from '../../../main/train/run-training'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

const BIN = fileURLToPath(new URL('../../../bin/mixture-studio.mjs', import.meta.url))

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir('ms-reader-gone-')))
afterEach(() => temp.remove())

/** Runs `mixture-studio <args>`, closes its stdout after the first line as `head -1` would, and waits for it to end. */
async function runClosingOutputAfterOneLine(args: string[], home: string) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MIXTURE_STUDIO_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
    if (stdout.includes('\n')) child.stdout.destroy()
  })
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])))
  return { code, signal, firstLine: stdout.split('\n')[0], stderr }
}

describe('the CLI when the reader of its output goes away', () => {
  it('`train --json | head -1` stops the run cleanly: no stack trace, the run cancelled with a checkpoint, resumable', async () => {
    const config = join(temp.dir, 'run.json')
    writeFileSync(config, JSON.stringify({
      model: writeTinyModel(join(temp.dir, 'model'), 'llama').dir,
      data: { train: writePromptCompletionFile(join(temp.dir, 'train.jsonl'), 16), max_length: 128 },
      adapter: { method: 'mov', experts: 3 },
      // Far more steps than it trains before the reader leaves, and no save of its own.
      train: { lr: 0.05, batch_size: 4, max_steps: 100_000, save_every: 100_000, seed: 1 },
      device: 'cpu',
    }))
    const home = join(temp.dir, 'home')

    const exit = await runClosingOutputAfterOneLine(['train', '--config', config, '--json'], home)

    expect(JSON.parse(exit.firstLine)).toMatchObject({ type: 'log', level: 'info' })
    expect(exit.stderr).not.toMatch(/EPIPE|^\s+at /m)
    // Ended by itself, as a cancelled train does (1: the run did not complete), not by a signal.
    expect(exit).toMatchObject({ code: 1, signal: null })
    const store = openStore(home)
    try {
      const run = store.runs.get(store.runs.list({ limit: 10 })[0].id)!
      expect(run.status).toBe('cancelled')
      const trainedTo = store.metrics.latest(run.id).loss!.step
      const newest = listCheckpoints(join(runFolder(home, run.id), 'checkpoints')).at(-1)!
      expect(readCheckpoint(newest.path).state.step).toBe(trainedTo)
      expect(store.artifacts.listCheckpoints(run.id).map((c) => c.step)).toEqual([trainedTo])
      expect(whyRunCannotTrain(store, run, runFolder(home, run.id))).toBeNull()
    } finally {
      store.close()
    }
  }, 60_000)
})
