// A data folder whose newest backup lacks two really trained runs, for the tests of what
// `store restore` does with their folders: one run trained to its end, the daily backup made,
// then one run trained to its end and one stopped early (a checkpoint written at the stop), all
// with the real CLI on a tiny model, and then studio.db damaged so that it no longer opens.
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { main, type CliContext } from '../../../main/cli'
import { databasePath, listBackups, openStore } from '../../../main/store'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

export interface RunsAfterBackup {
  home: string
  /** Trained and completed before the backup was made: the backup has it. */
  before: string
  /** Trained to its end (step 4, checkpoints at 2 and 4) after the backup was made. */
  finished: { id: string; name: string }
  /** Stopped after its second step of 6 (checkpoints at 2 and at the stop) after the backup was made. */
  stopped: { id: string; name: string; step: number }
}

export async function cli(home: string, args: string[], stopAfterStep?: number): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  let interrupt!: () => void
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve))
  const context: CliContext = {
    env: { MIXTURE_STUDIO_HOME: home },
    stdout: (text) => {
      out += text
      // As Ctrl+C would: the run stops at its next step boundary and writes a checkpoint.
      if (stopAfterStep !== undefined && text.includes(`"type":"step","step":${stopAfterStep},`)) interrupt()
    },
    stderr: (text) => (err += text),
    untilInterrupted: () => interrupted,
  }
  return { code: await main(args, context), out, err }
}

export async function trainRunsAroundBackup(dir: string): Promise<RunsAfterBackup> {
  const home = join(dir, 'home')
  writeTinyModel(join(dir, 'model'), 'qwen2')
  writePromptCompletionFile(join(dir, 'train.jsonl'), 8)
  const train = async (name: string, maxSteps: number, stopAfterStep?: number) => {
    const config = join(dir, `${name}.yaml`)
    writeFileSync(
      config,
      `name: ${name}\nmodel: model\ndata: { train: train.jsonl, max_length: 64 }\nadapter: { method: ia3 }\n` +
        `train: { lr: 0.01, batch_size: 4, max_steps: ${maxSteps}, save_every: 2 }\ndevice: cpu\n`,
    )
    const trained = await cli(home, ['train', '--config', config, '--json'], stopAfterStep)
    const store = openStore(home, { openedBy: 'job' })
    try {
      const run = store.runs.list({ limit: 10 }).find((r) => r.name === name)!
      expect(run.status).toBe(stopAfterStep === undefined ? 'completed' : 'cancelled')
      expect(trained.code).toBe(stopAfterStep === undefined ? 0 : 1)
      return { id: run.id, name, step: store.artifacts.latestCheckpoint(run.id)!.step }
    } finally {
      store.close()
    }
  }

  const before = await train('trained-before-the-backup', 4)
  // The first open of a store that holds data makes its daily backup.
  openStore(home).close()
  expect(listBackups(join(home, 'backups'))).toHaveLength(1)
  const finished = await train('finished-after-the-backup', 4)
  const stopped = await train('stopped-after-the-backup', 6, 2)
  expect(stopped.step).toBeLessThan(6)

  // Damage no open gets past: the header no longer says SQLite.
  const fd = openSync(databasePath(home), 'r+')
  try {
    writeSync(fd, Buffer.from('not a database any more'), 0, 23, 0)
  } finally {
    closeSync(fd)
  }
  expect(() => openStore(home)).toThrow(/is damaged/)
  return { home, before: before.id, finished: { id: finished.id, name: finished.name }, stopped }
}
