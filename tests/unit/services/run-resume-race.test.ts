// Resume clicked the moment a run says `cancelled`: the training process has written its status
// but may not have exited yet. The call waits for it instead of refusing "still training".
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, type RunEvent } from '../../../main/contract'
import { createServices, type Services } from '../../../main/services'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
let services: Services
beforeAll(() => {
  tmp = makeTempDir('ms-resume-race-')
  services = createServices({ dataDir: join(tmp.dir, 'home') })
})
afterAll(async () => {
  await services.close()
  tmp.remove()
})

function next(runId: string, match: (e: RunEvent) => boolean): Promise<RunEvent> {
  return new Promise((resolve) => {
    const off = services.subscribe('onRunEvent', (e) => {
      if (e.runId === runId && match(e)) {
        off()
        resolve(e)
      }
    })
  })
}

describe('runsResume and runsDelete on a run whose process is still exiting', () => {
  it('wait for the process instead of answering conflict', async () => {
    const data = writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 8)
    const config = RunConfig.parse({
      model: writeTinyModel(join(tmp.dir, 'model'), 'llama').dir,
      data: { train: data, max_length: 160 },
      adapter: { method: 'ia3' },
      train: { batch_size: 2, max_steps: 100_000, save_every: 2, eval_every: 100_000 },
      device: 'cpu',
    })
    const { run } = await services.runsStart({ config })
    await next(run.id, (e) => e.type === 'checkpoint')
    const cancelled = next(run.id, (e) => e.type === 'status' && e.status === 'cancelled')
    const cancelling = services.runsCancel({ runId: run.id })
    await cancelled
    // The status event came before the process exited: Resume now must still work.
    const resumed = await services.runsResume({ runId: run.id })
    expect(resumed.run.id).toBe(run.id)
    await cancelling
    await next(run.id, (e) => e.type === 'step')
    const again = next(run.id, (e) => e.type === 'status' && e.status === 'cancelled')
    void services.runsCancel({ runId: run.id })
    await again
    await expect(services.runsDelete({ runId: run.id })).resolves.toMatchObject({ id: run.id })
    expect(services.store.runs.get(run.id)).toBeUndefined()
  })
})
