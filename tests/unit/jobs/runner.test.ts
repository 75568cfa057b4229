import { afterEach, describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { JobEvent, SystemProbeResult, type JobKind } from '../../../main/contract'
import { createNodeSpawner, JobRunner, type JobSpawner } from '../../../main/jobs'

const runners: JobRunner[] = []
function makeRunner(workerPath?: string): { runner: JobRunner; events: JobEvent[] } {
  const runner = new JobRunner(createNodeSpawner({ workerPath }), { cancelGraceMs: 2_000 })
  const events: JobEvent[] = []
  runner.subscribe((event) => events.push(JobEvent.parse(event)))
  runners.push(runner)
  return { runner, events }
}
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.shutdown()))
})

function nextEvent(runner: JobRunner, match: (event: JobEvent) => boolean): Promise<JobEvent> {
  return new Promise((resolve) => {
    const unsubscribe = runner.subscribe((event) => {
      if (!match(event)) return
      unsubscribe()
      resolve(event)
    })
  })
}

describe('JobRunner with real job processes', () => {
  it('runs a system probe in a child process that finds the CPU provider working', async () => {
    const { runner, events } = makeRunner()
    const job = runner.start('system-probe')
    expect(job.state).toBe('running')

    const ended = await runner.waitForEnd(job.id)
    expect(ended.state).toBe('completed')
    const result = SystemProbeResult.parse(ended.result)
    expect(result.providers.find((p) => p.name === 'cpu')).toMatchObject({ available: true })
    // Whatever else onnxruntime lists here was really tried and got a verdict with a reason.
    for (const provider of result.providers) expect(provider.reason.length).toBeGreaterThan(0)

    const started = events.find((e) => e.type === 'started')
    expect(started).toMatchObject({ jobId: job.id, kind: 'system-probe' })
    expect(started && 'pid' in started && started.pid).not.toBe(process.pid)
    expect(events.some((e) => e.type === 'progress')).toBe(true)
    expect(events.at(-1)).toEqual({ type: 'ended', jobId: job.id, state: 'completed', error: null, lastWords: null })
    expect(runner.list().map((j) => [j.id, j.state])).toEqual([[job.id, 'completed']])
  })

  it('cancels a job by killing its process', async () => {
    const { runner, events } = makeRunner()
    const job = runner.start('selftest-wait')
    await nextEvent(runner, (e) => e.type === 'progress')

    const cancelled = await runner.cancel(job.id)
    expect(cancelled).toMatchObject({ id: job.id, state: 'cancelled', error: null })
    expect(cancelled.endedAt).not.toBeNull()
    expect(events.at(-1)).toMatchObject({ type: 'ended', state: 'cancelled' })
    // Cancelling again is harmless and changes nothing.
    expect(await runner.cancel(job.id)).toEqual(cancelled)
  })

  it('records a job process killed from outside as interrupted, with its last words', async () => {
    const { runner } = makeRunner()
    const job = runner.start('selftest-wait')
    const started = await nextEvent(runner, (e) => e.type === 'started')
    await nextEvent(runner, (e) => e.type === 'progress')
    process.kill((started as Extract<JobEvent, { type: 'started' }>).pid, 'SIGKILL')

    const ended = await nextEvent(runner, (e) => e.type === 'ended')
    expect(ended).toMatchObject({ type: 'ended', jobId: job.id, state: 'interrupted' })
    const { error, lastWords } = ended as Extract<JobEvent, { type: 'ended' }>
    expect(error).toContain('killed by signal SIGKILL')
    expect(lastWords).toContain(`job ${job.id} (selftest-wait) running`)
    expect(runner.get(job.id).state).toBe('interrupted')
  })

  it('records a process that crashes by itself as interrupted with the end of its stderr', async () => {
    const { runner, events } = makeRunner(fileURLToPath(new URL('./fixtures/crashing-worker.mjs', import.meta.url)))
    const job = runner.start('system-probe')
    const ended = await runner.waitForEnd(job.id)
    expect(ended.state).toBe('interrupted')
    expect(ended.error).toContain('exited with code 134')
    const last = events.at(-1) as Extract<JobEvent, { type: 'ended' }>
    expect(last.lastWords).toBe(
      'loading weights from shard 3 of 4\nfatal: CUDA error: an illegal memory access was encountered',
    )
  })

  it('records a job that reports its own error as failed, not interrupted', async () => {
    // The real worker, asked for a kind it does not have: it says so and exits 1.
    const real = createNodeSpawner()
    const askingForNonsense: JobSpawner = {
      spawn: (request, handlers) => real.spawn({ ...request, kind: 'no-such-kind' as JobKind }, handlers),
    }
    const runner = new JobRunner(askingForNonsense)
    runners.push(runner)
    const job = runner.start('system-probe')
    const ended = await runner.waitForEnd(job.id)
    expect(ended).toMatchObject({ state: 'failed', error: 'unknown job kind "no-such-kind"' })
  })

  it('says which job it cannot find', () => {
    const { runner } = makeRunner()
    expect(() => runner.get('nope')).toThrow('No job with id nope')
  })
})
