// runsExport through the real services: the export is written by an `export` job process, which
// reports its steps as job events and records the export with its run; the call answers with the
// same RunExport as before, and a refusal with the same code and message.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JobEvent, RunExport } from '../../../main/contract'
import { openModel } from '../../../main/models'
import { dispatchCall } from '../../../main/services'
import { runFolder } from '../../../main/train'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writeRandomAdapter } from '../export/support'

const temp = useTempServices('ms-export-job-')

/** A completed (IA)³ run of a tiny model, with its final adapter where runs keep it. */
function completedRun(): string {
  const { services } = temp
  const model = openModel(writeTinyModel(join(temp.dir, 'model'), 'llama').dir)
  const run = services.store.runs.create({ name: 'ia3 run', config: { model: model.info.dir }, method: 'ia3' })
  mkdirSync(runFolder(services.dataDir, run.id), { recursive: true })
  writeRandomAdapter(join(runFolder(services.dataDir, run.id), 'adapter'), model, { method: 'ia3' })
  services.store.runs.finish(run.id, 'completed')
  return run.id
}

describe('runsExport in a job process', () => {
  it('writes the export in an export job that reports its steps, and records it with the run', async () => {
    const { services } = temp
    const runId = completedRun()
    const out = join(temp.dir, 'merged')
    const events: JobEvent[] = []
    const unsubscribe = services.subscribe('onJobEvent', (event) => events.push(event))
    const result = await dispatchCall(services, 'runsExport', { runId, format: 'merged', out })
    unsubscribe()

    expect(result.ok, JSON.stringify(result)).toBe(true)
    const exported = (result as { data: RunExport }).data
    expect(exported).toMatchObject({ format: 'merged', method: 'ia3', path: out, runId, recorded: true })
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true)
    const started = events.find((event) => event.type === 'started')
    expect(started).toMatchObject({ kind: 'export' })
    expect(started && 'pid' in started && started.pid).not.toBe(process.pid)
    const progress = events.filter((event) => event.type === 'progress').map((event) => `${event.done}/${event.total} ${event.label}`)
    expect(progress).toEqual([`0/0 Writing the merged export to ${out}`, `1/1 Wrote ${exported.files.length} files to ${out}`])
    expect(events.at(-1)).toMatchObject({ type: 'ended', state: 'completed' })
    expect(services.store.artifacts.listExports(runId).map((e) => [e.format, e.path])).toEqual([['merged', out]])
  }, 60_000)

  it('answers a refusal from the job with its code and message, and records nothing', async () => {
    const { services } = temp
    const runId = completedRun()
    const result = await dispatchCall(services, 'runsExport', { runId, format: 'native', out: join(temp.dir, 'model') })
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining(join(temp.dir, 'model')) } })
    expect(services.store.artifacts.listExports(runId)).toEqual([])
    const missing = await dispatchCall(services, 'runsExport', { runId: 'no-such-run', format: 'native', out: join(temp.dir, 'nowhere') })
    expect(missing).toEqual({ ok: false, error: { code: 'not_found', message: 'there is no run no-such-run; `mixture-studio runs list` shows the runs' } })
  }, 60_000)
})
