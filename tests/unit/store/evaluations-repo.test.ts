// The Evaluate page's saved tables: counts per cell round-trip, a cell scored again replaces the
// earlier counts, deleting an evaluation takes its cells (not a running one), and an evaluation
// whose process died is failed at start-up with its finished cells kept.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { EvaluationConfig } from '../../../main/contract'
import { currentBootTimeMs, markOrphanedEvaluationsFailed, openStore } from '../../../main/store'
import { useTempStore } from '../../helpers/temp-store'

const temp = useTempStore()

const CONFIG: EvaluationConfig = {
  model: { id: null, name: 'tiny', path: '/models/tiny' },
  columns: [
    { key: 'base', kind: 'base', label: 'base', runId: null, runName: null, checkpoint: null, adapter: null, adapterLabel: null },
    { key: 'r1@best', kind: 'run', label: 'mov (best)', runId: 'r1', runName: 'mov', checkpoint: 'best', adapter: '/runs/r1/adapter', adapterLabel: 'final adapter' },
  ],
  sets: [{ name: 'arc', datasetId: null, file: '/data/arc.jsonl' }, { name: 'boolq', datasetId: 'd1', file: '/data/boolq.jsonl' }],
  lengthNormalize: true,
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number
}

describe('evaluations repo', () => {
  it('round-trips an evaluation and its cells, newest first', () => {
    const { store } = temp
    const first = store.evaluations.create({ id: 'e1', name: 'first', config: CONFIG }, new Date('2026-01-01T00:00:00Z'))
    expect(first).toMatchObject({ id: 'e1', name: 'first', model: '/models/tiny', config: CONFIG, status: 'running', error: null, finishedAt: null, pid: process.pid })
    store.evaluations.create({ id: 'e2', name: 'second', config: CONFIG }, new Date('2026-01-02T00:00:00Z'))
    store.evaluations.putCell('e1', { task: 'arc', columnKey: 'base', correct: 3, examples: 8 })
    store.evaluations.putCell('e1', { task: 'arc', columnKey: 'r1@best', correct: 5, examples: 8 })
    // Scored again (a repeated cell): the new counts replace the old.
    store.evaluations.putCell('e1', { task: 'arc', columnKey: 'base', correct: 4, examples: 8 })
    expect(store.evaluations.cells('e1').sort((a, b) => a.columnKey.localeCompare(b.columnKey))).toEqual([
      { task: 'arc', columnKey: 'base', correct: 4, examples: 8 },
      { task: 'arc', columnKey: 'r1@best', correct: 5, examples: 8 },
    ])
    expect(store.evaluations.list().map((e) => e.id)).toEqual(['e2', 'e1'])
    expect(store.evaluations.cellCounts()).toEqual(new Map([['e1', 2]]))

    expect(store.evaluations.finishIfRunning('e1', 'completed', null, new Date('2026-01-01T00:05:00Z'))).toBe(true)
    // Once ended it stays as it ended (a late job end does not overwrite a Stop).
    expect(store.evaluations.finishIfRunning('e1', 'failed', 'late')).toBe(false)
    expect(store.evaluations.get('e1')).toMatchObject({ status: 'completed', error: null, finishedAt: '2026-01-01T00:05:00.000Z', pid: null })
  })

  it('refuses counts that cannot be (more correct than examples)', () => {
    const { store } = temp
    store.evaluations.create({ id: 'e1', name: 'x', config: CONFIG })
    expect(() => store.evaluations.putCell('e1', { task: 'arc', columnKey: 'base', correct: 9, examples: 8 })).toThrow(/CHECK/)
  })

  it('deletes an ended evaluation with its cells, and never a running one', () => {
    const { store } = temp
    store.evaluations.create({ id: 'e1', name: 'x', config: CONFIG })
    store.evaluations.putCell('e1', { task: 'arc', columnKey: 'base', correct: 1, examples: 2 })
    expect(store.evaluations.deleteUnlessRunning('e1')).toBe(false)
    store.evaluations.finishIfRunning('e1', 'cancelled', 'stopped')
    expect(store.evaluations.deleteUnlessRunning('e1')).toBe(true)
    expect(store.evaluations.get('e1')).toBeUndefined()
    const left = store.db.prepare('SELECT COUNT(*) AS n FROM evaluation_cells WHERE evaluation_id = ?').get('e1') as { n: number }
    expect(left.n).toBe(0)
  })

  it('fails a running evaluation whose process died, keeping its cells; a live one is left', () => {
    const { store } = temp
    store.evaluations.create({ id: 'orphan', name: 'x', config: CONFIG })
    const pid = deadPid()
    store.evaluations.claim('orphan', { pid, bootTimeMs: currentBootTimeMs(), startedAt: null })
    store.evaluations.putCell('orphan', { task: 'arc', columnKey: 'base', correct: 1, examples: 2 })
    store.evaluations.create({ id: 'live', name: 'y', config: CONFIG })

    expect(markOrphanedEvaluationsFailed(store.evaluations)).toEqual(['orphan'])
    expect(store.evaluations.get('orphan')).toMatchObject({ status: 'failed' })
    expect(store.evaluations.get('orphan')?.error).toContain(`process ${pid} ended`)
    expect(store.evaluations.get('orphan')?.error).toContain('cells it finished are kept')
    expect(store.evaluations.cells('orphan')).toHaveLength(1)
    expect(store.evaluations.get('live')?.status).toBe('running')
  })

  it('runs that recovery when the studio opens the store, not when a job does', () => {
    const { store, dir } = temp
    store.evaluations.create({ id: 'orphan', name: 'x', config: CONFIG })
    store.evaluations.claim('orphan', { pid: deadPid(), bootTimeMs: currentBootTimeMs(), startedAt: null })
    const job = openStore(dir, { openedBy: 'job' })
    expect(job.evaluations.get('orphan')?.status).toBe('running')
    job.close()
    const studio = openStore(dir)
    expect(studio.evaluations.get('orphan')?.status).toBe('failed')
    studio.close()
  })
})
