// What a stopped and resumed run keeps: its training time over both segments (not the time it
// sat stopped) and its log, read back through the service calls that the Run page and
// `runs show` use. Trained in this process (runTraining), as `mixture-studio train` does.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { RunConfig, runTrainingSeconds } from '../../../main/contract'
import { runTraining } from '../../../main/train/run-training'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

const temp = useTempServices('ms-run-history-')

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const began = performance.now()
  const result = await work()
  return { result, seconds: (performance.now() - began) / 1000 }
}

describe('a stopped and resumed run', () => {
  it('reports the training time of both segments and keeps its log', async () => {
    const config = RunConfig.parse({
      name: 'resumed',
      model: writeTinyModel(join(temp.dir, 'model'), 'llama').dir,
      data: { train: writePromptCompletionFile(join(temp.dir, 'train.jsonl'), 8), max_length: 160 },
      adapter: { method: 'ia3' },
      train: { batch_size: 2, max_steps: 6, save_every: 2, eval_every: 100 },
      device: 'cpu',
    })
    const runId = temp.services.store.runs.create({ name: 'resumed', config, method: 'ia3' }).id
    let steps = 0
    const first = await timed(() => runTraining({ dataDir: temp.dataDir, runId, threads: 1, onEvent: (e) => void (e.type === 'step' && steps++), shouldStop: () => steps >= 3 }))
    expect(first.result.status).toBe('cancelled')
    await sleep(1500) // stopped: this must not count
    const second = await timed(() => runTraining({ dataDir: temp.dataDir, runId, threads: 1 }))
    expect(second.result.status).toBe('completed')

    const { run } = await temp.services.runsShow({ runId })
    const trained = runTrainingSeconds(run)!
    // Each segment runs from markRunning to finish, inside its runTraining call.
    expect(trained).toBeLessThanOrEqual(first.seconds + second.seconds)
    expect(trained).toBeGreaterThan(second.seconds + 0.5 * first.seconds)
    expect(run.segmentStartedAt).toBeNull()

    const log = await temp.services.runsLog({ runId })
    const messages = log.lines.map((l) => l.message)
    expect(messages.slice(0, 2)).toEqual(['run started', expect.stringMatching(/^training \d+ adapter parameters/)])
    expect(messages.filter((m) => m === 'run started')).toHaveLength(2)
    expect(messages).toContain('run cancelled')
    expect(messages.some((m) => /^resuming from .*step-\d+ \(step \d+\)$/.test(m))).toBe(true)
    expect(messages.at(-1)).toMatch(/^run completed; adapter in .*adapter$/)
    // A repeated checkpoint (cancel right after a save) is one line.
    const checkpointLines = messages.filter((m) => m.startsWith('checkpoint at step'))
    expect(new Set(checkpointLines).size).toBe(checkpointLines.length)
    expect(log.total).toBe(log.lines.length)
    const after = await temp.services.runsLog({ runId, afterId: log.lines.at(-2)!.id })
    expect(after.lines.map((l) => l.message)).toEqual([messages.at(-1)])
  })

  it('names a run that does not exist', async () => {
    await expect(temp.services.runsLog({ runId: 'no-such-run' })).rejects.toThrow(/no run no-such-run/)
  })
})
