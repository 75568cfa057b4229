// Where a run brought home from a cluster job came from (migration 0012, ImportedJobsRepo).
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isJobImportedTwice, openDatabase, RunsRepo, schemaVersion } from '../../../main/store'
import { ImportedJobsRepo } from '../../../main/store/repos/imported-jobs-repo'
import { latestSchemaVersion, migrations } from '../../../main/store/migrations'
import { makeTempDir } from '../../helpers/temp-dir'
import { useTempStore } from '../../helpers/temp-store'

const temp = useTempStore()

describe('imported jobs repository', () => {
  it("records a run's job, found by job id and by run; a run trained here has none", () => {
    const imported = temp.store.runs.create({ name: 'from the cluster', config: {} }).id
    const local = temp.store.runs.create({ name: 'trained here', config: {} }).id
    temp.store.importedJobs.add({ runId: imported, jobId: 'job-1', folder: '/scratch/job', importedAt: '2026-12-05T10:00:00.000Z' })
    const job = { runId: imported, jobId: 'job-1', folder: '/scratch/job', importedAt: '2026-12-05T10:00:00.000Z' }
    expect(temp.store.importedJobs.byJobId('job-1')).toEqual(job)
    expect(temp.store.importedJobs.ofRun(imported)).toEqual(job)
    expect(temp.store.importedJobs.ofRun(local)).toBeUndefined()
    expect(temp.store.importedJobs.byJobId('job-2')).toBeUndefined()
  })

  it('refuses the same job a second time, and says that is what happened', () => {
    const first = temp.store.runs.create({ name: 'a', config: {} }).id
    const second = temp.store.runs.create({ name: 'b', config: {} }).id
    temp.store.importedJobs.add({ runId: first, jobId: 'job-1', folder: '/a', importedAt: '2026-12-05T10:00:00.000Z' })
    let thrown: unknown = null
    try {
      temp.store.importedJobs.add({ runId: second, jobId: 'job-1', folder: '/b', importedAt: '2026-12-05T10:00:00.000Z' })
    } catch (error) {
      thrown = error
    }
    expect(isJobImportedTwice(thrown)).toBe(true)
    expect(isJobImportedTwice(new Error('disk I/O error'))).toBe(false)
    expect(temp.store.importedJobs.ofRun(second)).toBeUndefined()
  })

  it('goes with its run, so the job can be imported again', () => {
    const run = temp.store.runs.create({ name: 'gone', config: {} }).id
    temp.store.importedJobs.add({ runId: run, jobId: 'job-1', folder: '/a', importedAt: '2026-12-05T10:00:00.000Z' })
    temp.store.runs.delete(run)
    expect(temp.store.importedJobs.byJobId('job-1')).toBeUndefined()
  })
})

describe('migration imported-jobs', () => {
  let dir: ReturnType<typeof makeTempDir>
  beforeEach(() => {
    dir = makeTempDir('imported-jobs-migration-')
  })
  afterEach(() => dir.remove())

  it('adds the table to a store of the version before, leaving its runs as they were', () => {
    const path = join(dir.dir, 'studio.db')
    const before = migrations.findIndex((m) => m.name === 'imported-jobs')
    const old = openDatabase(path, migrations.slice(0, before), { backupsDir: false })
    const runId = new RunsRepo(old).create({ name: 'older run', config: { device: 'cpu' } }).id
    old.close()
    const db = openDatabase(path, migrations, { backupsDir: false })
    try {
      expect(schemaVersion(db)).toBe(latestSchemaVersion())
      expect(new RunsRepo(db).get(runId)).toMatchObject({ name: 'older run', config: { device: 'cpu' } })
      const repo = new ImportedJobsRepo(db)
      expect(repo.ofRun(runId)).toBeUndefined()
      repo.add({ runId, jobId: 'job-1', folder: '/a', importedAt: '2026-12-05T10:00:00.000Z' })
      expect(repo.byJobId('job-1')?.runId).toBe(runId)
      // It refers to a run: a job of no run is refused.
      expect(() => repo.add({ runId: 'no-such-run', jobId: 'job-2', folder: '/a', importedAt: '2026-12-05T10:00:00.000Z' })).toThrow(/FOREIGN KEY/)
    } finally {
      db.close()
    }
  })
})
