// `train --resume` and Resume refuse, with a message and no stack trace, a run that is completed
// or whose files are gone (it would quietly start over from step 0); `runs show` offers only the
// checkpoints and adapter that still exist.
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatchCall, createServices } from '../../../main/services'
import { openStore } from '../../../main/store'
import { runFolder } from '../../../main/train/run-training'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>
let runId: string
const home = () => join(tmp.dir, 'home')

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runCli(args, { home: home() })
  return { code, out: stdout, err: stderr }
}

/** What a run interrupted after its last checkpoint looks like (a completed run, marked so). */
function markInterrupted(): void {
  const store = openStore(home())
  try {
    store.runs.finish(runId, 'interrupted', 'the computer restarted')
  } finally {
    store.close()
  }
}

function statusAndLastStep(): { status: string; lastStep: number | undefined } {
  const store = openStore(home())
  try {
    return { status: store.runs.get(runId)!.status, lastStep: store.metrics.latest(runId).loss?.step }
  } finally {
    store.close()
  }
}

beforeAll(async () => {
  tmp = makeTempDir('ms-resume-refusals-')
  writeTinyModel(join(tmp.dir, 'model'), 'qwen2')
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 8)
  const config = join(tmp.dir, 'run.yaml')
  writeFileSync(config, 'model: model\ndata: { train: train.jsonl, max_length: 64 }\nadapter: { method: ia3 }\ntrain: { lr: 0.01, batch_size: 4, max_steps: 4, save_every: 2 }\ndevice: cpu\n')
  const trained = await cli(['train', '--config', config, '--json'])
  expect(trained.code).toBe(0)
  runId = JSON.parse(trained.out.trim().split('\n').at(-1)!).run_id as string
}, 120_000)
afterAll(() => tmp.remove())

describe('resuming a run that must not be resumed', () => {
  it('a completed run: says it is completed and how to train on from its adapter', async () => {
    const { code, err } = await cli(['train', '--resume', runId])
    expect(code).toBe(1)
    expect(err).toContain(`run ${runId} is completed, so it is not trained further. To train on from its adapter, start a new run whose configuration sets adapter.init: ${join(runFolder(home(), runId), 'adapter')}`)
    expect(err).not.toMatch(/\n\s+at /)
  })

  it('runs show offers only the checkpoints and adapter that still exist', async () => {
    const folder = runFolder(home(), runId)
    const services = createServices({ dataDir: home() })
    const show = async () => {
      const shown = await dispatchCall(services, 'runsShow', { runId })
      if (!shown.ok) throw new Error(shown.error.message)
      const detail = shown.data as { checkpoints: { step: number }[]; adapter: string | null }
      return { steps: detail.checkpoints.map((c) => c.step), adapter: detail.adapter }
    }
    try {
      expect(await show()).toEqual({ steps: [2, 4], adapter: join(folder, 'adapter') })
      // Deleted while the studio runs: its start-up reconciliation has already happened.
      renameSync(join(folder, 'checkpoints', 'step-2'), join(tmp.dir, 'step-2-aside'))
      expect(await show()).toEqual({ steps: [4], adapter: join(folder, 'adapter') })
      renameSync(folder, join(tmp.dir, 'run-aside'))
      expect(await show()).toEqual({ steps: [], adapter: null })
    } finally {
      await services.close()
      if (!existsSync(folder)) renameSync(join(tmp.dir, 'run-aside'), folder)
      renameSync(join(tmp.dir, 'step-2-aside'), join(folder, 'checkpoints', 'step-2'))
    }
  })

  it('a run whose checkpoints were deleted: refused, naming the missing checkpoint, nothing changed', async () => {
    markInterrupted()
    const checkpoints = join(runFolder(home(), runId), 'checkpoints')
    const aside = join(tmp.dir, 'checkpoints-aside')
    renameSync(checkpoints, aside)
    try {
      const { code, err } = await cli(['train', '--resume', runId])
      expect(code).toBe(1)
      expect(err).toContain(`run ${runId} saved checkpoints up to step 4, but none is left in ${checkpoints} (${join(checkpoints, 'step-4')} is missing). Resuming would start it again from step 0`)
      expect(statusAndLastStep()).toEqual({ status: 'interrupted', lastStep: 4 })
    } finally {
      renameSync(aside, checkpoints)
    }
  })

  it('a run whose folder was deleted: refused by train --resume and by Resume, naming the folder, nothing changed; runs show marks it missing', async () => {
    markInterrupted()
    const folder = runFolder(home(), runId)
    rmSync(folder, { recursive: true })
    const expected = `run ${runId} trained to step 4, but its folder ${folder} is gone, and its checkpoints with it. Resuming would start it again from step 0: put the folder back to resume`
    const { code, err } = await cli(['train', '--resume', runId])
    expect(code).toBe(1)
    expect(err).toContain(expected)
    const services = createServices({ dataDir: home() })
    try {
      const resumed = await dispatchCall(services, 'runsResume', { runId })
      expect(!resumed.ok && resumed.error).toMatchObject({ code: 'conflict', message: expect.stringContaining(expected) })
    } finally {
      await services.close()
    }
    expect(statusAndLastStep()).toEqual({ status: 'interrupted', lastStep: 4 })

    const shown = await cli(['runs', 'show', runId, '--log', '0'])
    expect(shown.code).toBe(0)
    expect(shown.out).toContain(`folder      ${folder} (missing: deleted or moved outside Mixture Studio)`)
    expect(shown.out).toMatch(/adapter +\(none yet\)/)
    expect(shown.out).toMatch(/checkpoints \(none\)/)
  })
})
