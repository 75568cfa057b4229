import { describe, expect, it } from 'vitest'
import { RunLogRepo } from '../../../main/store'
import { RUN_LOG_MAX_MESSAGE_CHARS } from '../../../main/store/repos/run-log-repo'
import { useTempStore } from '../../helpers/temp-store'

const temp = useTempStore()

describe('run log repository', () => {
  it("keeps a run's lines in order, apart from other runs', and reads the ones after a given id", () => {
    const a = temp.store.runs.create({ name: 'a', config: {} }).id
    const b = temp.store.runs.create({ name: 'b', config: {} }).id
    temp.store.runLog.append(a, 'info', 'training 1000 parameters', new Date('2025-03-01T10:00:00Z'))
    temp.store.runLog.append(b, 'warn', 'other run')
    temp.store.runLog.append(a, 'error', 'run failed: out of memory')
    const lines = temp.store.runLog.list(a)
    expect(lines.map((l) => [l.level, l.message])).toEqual([['info', 'training 1000 parameters'], ['error', 'run failed: out of memory']])
    expect(lines[0].at).toBe('2025-03-01T10:00:00.000Z')
    expect(temp.store.runLog.list(a, { afterId: lines[0].id }).map((l) => l.message)).toEqual(['run failed: out of memory'])
    expect(temp.store.runLog.list(a, { limit: 1 }).map((l) => l.message)).toEqual(['run failed: out of memory'])
  })

  it('keeps only the newest lines of a run beyond its bound, and cuts a huge message', () => {
    const run = temp.store.runs.create({ name: 'long', config: {} }).id
    const bounded = new RunLogRepo(temp.store.db, 5)
    for (let i = 1; i <= 12; i++) bounded.append(run, 'info', `line ${i}`)
    expect(bounded.list(run).map((l) => l.message)).toEqual(['line 8', 'line 9', 'line 10', 'line 11', 'line 12'])
    expect(bounded.count(run)).toBe(5)

    bounded.append(run, 'error', 'x'.repeat(RUN_LOG_MAX_MESSAGE_CHARS + 10))
    expect(bounded.list(run, { limit: 1 })[0].message).toMatch(/^x+ … \(10 more characters cut\)$/)
  })

  it('goes away with its run', () => {
    const run = temp.store.runs.create({ name: 'gone', config: {} }).id
    temp.store.runLog.append(run, 'info', 'hello')
    temp.store.runs.delete(run)
    expect(temp.store.db.prepare('SELECT count(*) FROM run_log').pluck().get()).toBe(0)
  })

  it('reads the newest lines of a run through its (run_id, id) index', () => {
    const plan = temp.store.db.prepare('EXPLAIN QUERY PLAN SELECT id, at, level, message FROM run_log WHERE run_id = ? AND id > ? ORDER BY id DESC LIMIT ?').all('r', 0, 10) as { detail: string }[]
    const text = plan.map((row) => row.detail).join('\n')
    expect(text).toContain('run_log_by_run')
    expect(text).not.toContain('TEMP B-TREE')
  })
})
