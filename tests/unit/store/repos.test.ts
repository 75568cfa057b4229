import { describe, expect, it } from 'vitest'
import { curveSql } from '../../../main/store/repos/metrics-repo'
import { useTempStore } from '../../helpers/temp-store'

const temp = useTempStore()

describe('runs repository', () => {
  it('creates, starts and finishes a run, keeping its config as JSON', () => {
    const model = temp.store.catalog.addModel({ name: 'tiny-llama', path: '/models/tiny', architecture: 'llama', config: {} })
    const dataset = temp.store.catalog.addDataset({ name: 'alpaca', path: '/data/a.jsonl', format: 'alpaca', numExamples: 3 })
    const config = { adapter: { method: 'mov', experts: 10 }, train: { lr: 3e-4 } }
    const created = temp.store.runs.create({ name: 'first', config, method: 'mov', modelId: model.id, datasetId: dataset.id })
    expect(created).toMatchObject({ name: 'first', status: 'starting', method: 'mov', config, startedAt: null })

    const running = temp.store.runs.markRunning(created.id, { pid: 1234, bootTimeMs: 42 })
    expect(running).toMatchObject({ status: 'running', pid: 1234, bootTimeMs: 42 })
    expect(running.startedAt).not.toBeNull()

    const failed = temp.store.runs.finish(created.id, 'failed', 'out of memory')
    expect(failed).toMatchObject({ status: 'failed', error: 'out of memory', pid: null })
    expect(failed.finishedAt).not.toBeNull()
  })

  it('lists newest first, filters by status and honours the limit', () => {
    const a = temp.store.runs.create({ name: 'a', config: {} }, new Date('2024-01-01T00:00:00Z'))
    const b = temp.store.runs.create({ name: 'b', config: {} }, new Date('2024-01-02T00:00:00Z'))
    const c = temp.store.runs.create({ name: 'c', config: {} }, new Date('2024-01-03T00:00:00Z'))
    temp.store.runs.finish(b.id, 'completed')
    expect(temp.store.runs.list({ limit: 10 }).map((r) => r.name)).toEqual(['c', 'b', 'a'])
    expect(temp.store.runs.list({ limit: 2 }).map((r) => r.id)).toEqual([c.id, b.id])
    expect(temp.store.runs.list({ status: 'completed', limit: 10 }).map((r) => r.id)).toEqual([b.id])
    expect(temp.store.runs.list({ status: 'starting', limit: 10 }).map((r) => r.id)).toEqual([c.id, a.id])
  })

  it('refuses references to models that do not exist (foreign keys are on)', () => {
    expect(() => temp.store.runs.create({ name: 'x', config: {}, modelId: 'no-such-model' })).toThrow(/FOREIGN KEY/)
  })

  it('throws when asked to change a run that does not exist', () => {
    expect(() => temp.store.runs.finish('missing', 'completed')).toThrow('Run missing does not exist')
  })
})

describe('metrics repository', () => {
  it('returns a curve ordered by step, replacing a step logged twice', () => {
    const run = temp.store.runs.create({ name: 'r', config: {} })
    temp.store.metrics.append(run.id, [
      { name: 'loss', step: 2, value: 1.5 },
      { name: 'loss', step: 1, value: 2.0 },
      { name: 'lr', step: 1, value: 3e-4 },
    ])
    temp.store.metrics.append(run.id, [{ name: 'loss', step: 2, value: 1.25 }])
    expect(temp.store.metrics.curve(run.id, 'loss')).toEqual([
      { step: 1, value: 2.0 },
      { step: 2, value: 1.25 },
    ])
    expect(temp.store.metrics.names(run.id)).toEqual(['loss', 'lr'])
  })

  it("reads a run's curve with a range scan of the (run_id, name, step) key, without sorting", () => {
    const plan = temp.store.db.prepare(`EXPLAIN QUERY PLAN ${curveSql}`).all('run', 'loss') as { detail: string }[]
    const details = plan.map((row) => row.detail).join('\n')
    expect(details).toMatch(/SEARCH metrics USING PRIMARY KEY \(run_id=\? AND name=\?\)/)
    expect(details).not.toMatch(/TEMP B-TREE/)
  })

  it('goes away with its run', () => {
    const run = temp.store.runs.create({ name: 'r', config: {} })
    temp.store.metrics.append(run.id, [{ name: 'loss', step: 1, value: 1 }])
    temp.store.artifacts.addCheckpoint(run.id, 1, '/runs/r/ckpt-1')
    temp.store.db.prepare('DELETE FROM runs WHERE id = ?').run(run.id)
    expect(temp.store.metrics.curve(run.id, 'loss')).toEqual([])
    expect(temp.store.artifacts.latestCheckpoint(run.id)).toBeUndefined()
  })
})

describe('artifacts repository', () => {
  it('finds the latest checkpoint and lists exports', () => {
    const run = temp.store.runs.create({ name: 'r', config: {} })
    temp.store.artifacts.addCheckpoint(run.id, 200, '/runs/r/ckpt-200')
    temp.store.artifacts.addCheckpoint(run.id, 400, '/runs/r/ckpt-400')
    expect(temp.store.artifacts.latestCheckpoint(run.id)).toMatchObject({ step: 400, path: '/runs/r/ckpt-400' })
    temp.store.artifacts.addExport(run.id, 'peft', '/out/peft')
    expect(temp.store.artifacts.listExports(run.id)).toMatchObject([{ format: 'peft', path: '/out/peft' }])
    expect(() => temp.store.artifacts.addExport(run.id, 'zip' as never, '/out/x')).toThrow(/CHECK/)
  })
})
