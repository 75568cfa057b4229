import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { liveProcessProbe, markOrphanedRunsInterrupted, openDatabase, RunsRepo } from '../../../main/store'
import { migrations } from '../../../main/store/migrations'
import { runTrainingSeconds } from '../../../main/contract'
import { useTempStore } from '../../helpers/temp-store'

const temp = useTempStore()

const at = (time: string) => new Date(`2025-03-01T${time}Z`)
const proc = { pid: 4242, bootTimeMs: 1 }

describe('training time over segments', () => {
  it('adds up every segment of a stopped and resumed run, not the time it sat stopped', () => {
    const run = temp.store.runs.create({ name: 'resumed', config: {} }, at('09:00:00'))
    temp.store.runs.markRunning(run.id, proc, at('10:00:00'))
    temp.store.runs.finish(run.id, 'cancelled', null, at('10:05:00')) // 300 s
    temp.store.runs.markRunning(run.id, proc, at('12:00:00'))
    const finished = temp.store.runs.finish(run.id, 'completed', null, at('12:02:30')) // 150 s

    expect(finished.trainingSeconds).toBeCloseTo(450, 3)
    expect(finished.segmentStartedAt).toBeNull()
    expect(finished.startedAt).toBe(at('10:00:00').toISOString()) // the first segment's start
    expect(finished.finishedAt).toBe(at('12:02:30').toISOString())
    expect(runTrainingSeconds(finished, at('18:00:00'))).toBeCloseTo(450, 3)
  })

  it('counts the running segment up to now while the run trains', () => {
    const run = temp.store.runs.create({ name: 'live', config: {} })
    temp.store.runs.markRunning(run.id, proc, at('10:00:00'))
    temp.store.runs.finish(run.id, 'interrupted', 'killed', at('10:01:00'))
    const running = temp.store.runs.markRunning(run.id, proc, at('11:00:00'))
    expect(running.segmentStartedAt).toBe(at('11:00:00').toISOString())
    expect(runTrainingSeconds(running, at('11:00:20'))).toBeCloseTo(80, 3)
    expect(runTrainingSeconds(temp.store.runs.create({ name: 'never started', config: {} }))).toBeNull()
  })

  it('charges a run found orphaned only up to its last step, not up to the start-up that found it', () => {
    const run = temp.store.runs.create({ name: 'crashed', config: {} })
    temp.store.runs.markRunning(run.id, proc, at('10:00:00'))
    temp.store.runs.markProgress(run.id, at('10:00:40'))
    expect(markOrphanedRunsInterrupted(temp.store.runs, { ...liveProcessProbe, isAlive: () => false, bootTimeMs: 1 }, temp.store.runLog)).toEqual([run.id])
    expect(temp.store.runs.get(run.id)?.trainingSeconds).toBeCloseTo(40, 3)
    expect(temp.store.runLog.list(run.id).map((l) => [l.level, l.message])).toEqual([['warn', expect.stringMatching(/^run interrupted: Its process \d+ ended without reporting/)]])
  })

  it('a queued run cancelled before it started has trained for no time', () => {
    const run = temp.store.runs.create({ name: 'queued', config: {} })
    expect(temp.store.runs.finish(run.id, 'cancelled').trainingSeconds).toBe(0)
  })
})

describe('migration 3 (run training time)', () => {
  it('gives runs recorded before it their one known segment, and a running run its segment start', () => {
    const path = join(temp.dir, 'old.db')
    const old = openDatabase(path, migrations.slice(0, 2))
    const repoBefore = old.prepare(`INSERT INTO runs (id, name, config, status, created_at, started_at, finished_at) VALUES (?, ?, '{}', ?, ?, ?, ?)`)
    repoBefore.run('done', 'done', 'completed', '2025-03-01T09:00:00.000Z', '2025-03-01T10:00:00.000Z', '2025-03-01T10:10:00.000Z')
    repoBefore.run('live', 'live', 'running', '2025-03-01T09:00:00.000Z', '2025-03-01T11:00:00.000Z', null)
    repoBefore.run('queued', 'queued', 'queued', '2025-03-01T09:00:00.000Z', null, null)
    old.close()

    const db = openDatabase(path)
    const runs = new RunsRepo(db)
    expect(runs.get('done')).toMatchObject({ trainingSeconds: expect.closeTo(600, 3), segmentStartedAt: null })
    expect(runs.get('live')).toMatchObject({ trainingSeconds: 0, segmentStartedAt: '2025-03-01T11:00:00.000Z' })
    expect(runs.get('queued')).toMatchObject({ trainingSeconds: 0, segmentStartedAt: null })
    db.close()
  })
})
