import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SystemInfo, SystemProbeResult, type JobEvent } from '../../../main/contract'
import { createServices, dispatchCall, type Services } from '../../../main/services'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
let services: Services
beforeEach(() => {
  temp = makeTempDir()
  services = createServices({ dataDir: temp.dir })
})
afterEach(async () => {
  await services.close()
  temp.remove()
})

describe('services', () => {
  it('reports system facts that satisfy the contract', async () => {
    const result = await dispatchCall(services, 'systemInfo', {})
    expect(result.ok).toBe(true)
    const info = SystemInfo.parse(result.ok && result.data)
    expect(info.dataDir).toBe(temp.dir)
    expect(info.appVersion).toMatch(/^\d+\.\d+\.\d+/)
    expect(info.onnxruntime).toMatch(/^\d+\.\d+/)
    expect(info.cpu.cores).toBeGreaterThan(0)
    expect(info.providers.find((p) => p.name === 'cpu')).toMatchObject({ available: true })
  })

  it('lists runs from the store, filtered by status', async () => {
    const a = services.store.runs.create({ name: 'a', config: {} })
    services.store.runs.create({ name: 'b', config: {} })
    services.store.runs.finish(a.id, 'completed')
    const all = await dispatchCall(services, 'runsList', {})
    expect(all.ok && (all.data as { name: string }[]).map((r) => r.name).sort()).toEqual(['a', 'b'])
    const done = await dispatchCall(services, 'runsList', { status: 'completed' })
    expect(done.ok && (done.data as { id: string }[]).map((r) => r.id)).toEqual([a.id])
  })

  it('rejects input that breaks the contract, naming the field, without running the call', async () => {
    const result = await dispatchCall(services, 'runsList', { status: 'exploded', limit: -1 })
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    const issues = (!result.ok && result.error.issues) || []
    expect(issues.map((issue) => issue.path).sort()).toEqual(['limit', 'status'])
    const extra = await dispatchCall(services, 'jobsList', { surprise: true })
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    const badStart = await dispatchCall(services, 'jobsStart', { kind: 'mine-bitcoin' })
    expect(badStart).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'kind' }] } })
    expect(await services.jobsList({})).toEqual([])
  })

  it('answers not_found for a job it does not know', async () => {
    const result = await dispatchCall(services, 'jobsCancel', { jobId: 'missing' })
    expect(result).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('missing') } })
  })

  it('starts a probe job, streams its events and lists it', async () => {
    const events: JobEvent[] = []
    const unsubscribe = services.subscribe('onJobEvent', (event) => events.push(event))
    const started = await dispatchCall(services, 'jobsStart', { kind: 'system-probe' })
    expect(started).toMatchObject({ ok: true, data: { kind: 'system-probe', state: 'running' } })
    const jobId = started.ok ? (started.data as { id: string }).id : ''

    await new Promise<void>((resolve) => {
      const stop = services.subscribe('onJobEvent', (event) => {
        if (event.type === 'ended') {
          stop()
          resolve()
        }
      })
    })
    unsubscribe()
    const listed = await dispatchCall(services, 'jobsList', {})
    const job = listed.ok ? (listed.data as { id: string; state: string; result?: unknown }[])[0] : undefined
    expect(job).toMatchObject({ id: jobId, state: 'completed' })
    expect(SystemProbeResult.parse(job?.result).providers.some((p) => p.name === 'cpu' && p.available)).toBe(true)
    expect(events.map((e) => e.type)).toContain('result')
  })
})
