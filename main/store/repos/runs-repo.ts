import { randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { RunStatus, RunSummary } from '../../contract'
import { currentProcessIdentity, type ProcessIdentity } from '../process-liveness'

export interface NewRun {
  id?: string
  name: string
  /** The run configuration (docs/DESIGN.md "Run configuration"), stored as JSON. */
  config: unknown
  method?: string | null
  modelId?: string | null
  datasetId?: string | null
  resumedFrom?: string | null
}

/**
 * A run that trained elsewhere, recorded as it was left (RunsRepo.addFound): found on disk after a
 * restore (completed or interrupted), or brought home from a cluster job (completed, or cancelled
 * where the job stopped before its end).
 */
export interface FoundRun extends Omit<NewRun, 'resumedFrom'> {
  id: string
  status: Extract<RunStatus, 'completed' | 'interrupted' | 'cancelled'>
  createdAt: Date
  startedAt: Date
  finishedAt: Date
  error: string | null
  trainedSeconds: number
  trainedOn: string | null
}

/**
 * The process recorded on a run: its training process while it is `running`, the process that
 * started it (to start its training) while it is `starting` or `queued`, none once it has finished.
 */
export interface RunRecord extends RunSummary {
  config: unknown
  pid: number | null
  bootTimeMs: number | null
  /** See ProcessIdentity.startedAt. */
  processStartedAt: string | null
  /** When the recorded process last said it was alive (ISO time). */
  heartbeatAt: string | null
  /** Its place in the run queue (smaller starts first, across devices); null unless `queued`. */
  queuePosition: number | null
}

interface RunRow {
  id: string
  name: string
  config: string
  method: string | null
  model_id: string | null
  dataset_id: string | null
  status: RunStatus
  created_at: string
  started_at: string | null
  finished_at: string | null
  error: string | null
  resumed_from: string | null
  trained_seconds: number
  segment_started_at: string | null
  progress_at: string | null
  trained_on: string | null
  total_steps: number | null
  best_step: number | null
  stopped_early: 0 | 1
  pid: number | null
  boot_time_ms: number | null
  process_started_at: string | null
  heartbeat_at: string | null
  queue_position: number | null
}

export type FinalRunStatus = Extract<RunStatus, 'completed' | 'failed' | 'cancelled' | 'interrupted'>

/** A run with a process at work on it (or on its way): it is neither resumed nor deleted. */
export const ACTIVE_RUN_STATUSES = ['starting', 'running'] as const satisfies readonly RunStatus[]
/** A run that stopped before its end: Resume trains it on from its newest checkpoint. */
export const RESUMABLE_RUN_STATUSES = ['interrupted', 'cancelled', 'failed'] as const satisfies readonly RunStatus[]

export function isActiveRunStatus(status: RunStatus): status is (typeof ACTIVE_RUN_STATUSES)[number] {
  return (ACTIVE_RUN_STATUSES as readonly RunStatus[]).includes(status)
}

const ACTIVE_SQL = sqlList(ACTIVE_RUN_STATUSES)
/** A run joining the queue goes last (positions only grow, so equal ones never happen). */
const NEXT_QUEUE_POSITION = `(SELECT coalesce(max(queue_position), 0) + 1 FROM runs)`
const RESUMABLE_SQL = sqlList(RESUMABLE_RUN_STATUSES)

export class RunsRepo {
  constructor(private readonly db: Database) {}

  /**
   * Records a new run, `starting` under the process that creates it (this one unless told): that
   * process starts its training, and while it lives the starting run is not taken for orphaned.
   * `queued`: it waits at the end of the run queue instead, under the same process, which starts
   * it when its device frees (see startQueued).
   */
  create(run: NewRun, now = new Date(), owner: ProcessIdentity = currentProcessIdentity(), options: { queued?: boolean } = {}): RunRecord {
    const id = run.id ?? randomUUID()
    this.db
      .prepare(
        `INSERT INTO runs (id, name, config, method, model_id, dataset_id, status, queue_position, created_at, resumed_from, pid, boot_time_ms, process_started_at, heartbeat_at)
         VALUES (@id, @name, @config, @method, @modelId, @datasetId, @status, ${options.queued ? NEXT_QUEUE_POSITION : 'NULL'}, @createdAt, @resumedFrom, @pid, @bootTimeMs, @startedAt, @createdAt)`,
      )
      .run({
        status: options.queued ? 'queued' : 'starting',
        pid: owner.pid,
        bootTimeMs: owner.bootTimeMs,
        startedAt: owner.startedAt,
        id,
        name: run.name,
        config: JSON.stringify(run.config ?? {}),
        method: run.method ?? null,
        modelId: run.modelId ?? null,
        datasetId: run.datasetId ?? null,
        createdAt: now.toISOString(),
        resumedFrom: run.resumedFrom ?? null,
      })
    return this.mustGet(id)
  }

  /**
   * Records a run the store does not know, trained by no process of this studio: one found on disk
   * (its folder outlived the database, see reregister-runs.ts) or a cluster job's (import-job):
   * as it was left, with no process on it.
   */
  addFound(run: FoundRun): RunRecord {
    this.db
      .prepare(
        `INSERT INTO runs (id, name, config, method, model_id, dataset_id, status, created_at, started_at, finished_at, error, trained_seconds, trained_on)
         VALUES (@id, @name, @config, @method, @modelId, @datasetId, @status, @createdAt, @startedAt, @finishedAt, @error, @trainedSeconds, @trainedOn)`,
      )
      .run({
        id: run.id,
        name: run.name,
        config: JSON.stringify(run.config ?? {}),
        method: run.method ?? null,
        modelId: run.modelId ?? null,
        datasetId: run.datasetId ?? null,
        status: run.status,
        createdAt: run.createdAt.toISOString(),
        startedAt: run.startedAt.toISOString(),
        finishedAt: run.finishedAt.toISOString(),
        error: run.error,
        trainedSeconds: run.trainedSeconds,
        trainedOn: run.trainedOn,
      })
    return this.mustGet(run.id)
  }

  get(id: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined
    return row && toRecord(row)
  }

  /** Newest first. */
  list(filter: { status?: RunStatus; limit: number }): RunSummary[] {
    const rows = (
      filter.status
        ? this.db.prepare('SELECT * FROM runs WHERE status = ? ORDER BY created_at DESC, id LIMIT ?').all(filter.status, filter.limit)
        : this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, id LIMIT ?').all(filter.limit)
    ) as RunRow[]
    return rows.map(toSummary)
  }

  /**
   * Claims a stopped run for a Resume, in one statement that checks its status: the run is
   * `starting` under `owner` at once, so a second Resume or a Delete sent while its training process
   * starts is refused at once instead of waiting. Undefined when the run is not resumable now
   * (someone else claimed it, it completed, it is gone).
   */
  claimForResume(id: string, owner: ProcessIdentity, now = new Date(), options: { queued?: boolean } = {}): RunRecord | undefined {
    const { changes } = this.db
      .prepare(
        `UPDATE runs SET status = ${options.queued ? `'queued', queue_position = ${NEXT_QUEUE_POSITION}` : `'starting'`}, finished_at = NULL, error = NULL,
         pid = @pid, boot_time_ms = @bootTimeMs, process_started_at = @startedAt, heartbeat_at = @now
         WHERE id = @id AND status IN (${RESUMABLE_SQL})`,
      )
      .run({ id, pid: owner.pid, bootTimeMs: owner.bootTimeMs, startedAt: owner.startedAt, now: now.toISOString() })
    return changes === 1 ? this.mustGet(id) : undefined
  }

  /**
   * Starts a training segment under `process`; started_at stays the first segment's start.
   * `claimed`: the run was claimed for this process to train (a job, the CLI), so it starts only
   * if it still is: one cancelled or found orphaned meanwhile stays as it is. Otherwise (a caller
   * resuming a stopped run directly) it starts from `starting` or a resumable status. Never from
   * `running` or `completed`: throws, saying what the run is.
   */
  markRunning(
    id: string,
    process: { pid: number; bootTimeMs: number; startedAt?: string | null },
    now = new Date(),
    options: { claimed?: boolean } = {},
  ): RunRecord {
    const at = now.toISOString()
    const from = options.claimed ? `'starting'` : `'starting', ${RESUMABLE_SQL}`
    const { changes } = this.db
      .prepare(
        `UPDATE runs SET status = 'running', started_at = coalesce(started_at, @at), segment_started_at = @at, progress_at = @at,
         finished_at = NULL, error = NULL, pid = @pid, boot_time_ms = @bootTimeMs, process_started_at = @startedAt, heartbeat_at = @at
         WHERE id = @id AND status IN (${from})`,
      )
      .run({ id, at, pid: process.pid, bootTimeMs: process.bootTimeMs, startedAt: process.startedAt ?? null })
    if (changes !== 1) throw new Error(whyNotStarted(this.get(id), id))
    return this.mustGet(id)
  }

  /** The training process made progress (a step): a segment that dies unseen is charged up to here. */
  markProgress(id: string, now = new Date()): void {
    const at = now.toISOString()
    this.db.prepare("UPDATE runs SET progress_at = ?, heartbeat_at = ? WHERE id = ? AND status = 'running'").run(at, at, id)
  }

  /** The training process `pid` is alive (between steps too; see HEARTBEAT_INTERVAL_MS). */
  heartbeat(id: string, pid: number, now = new Date()): void {
    this.db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running' AND pid = ?").run(now.toISOString(), id, pid)
  }

  /**
   * Ends the run's current segment, adding its length to the training time. `trainedUntil:
   * 'last-progress'` is for a run found orphaned: its process died at an unknown time, so the
   * segment is charged up to its last recorded step rather than up to now.
   */
  finish(
    id: string,
    status: FinalRunStatus,
    error: string | null = null,
    now = new Date(),
    options: { trainedUntil?: 'now' | 'last-progress' } = {},
  ): RunRecord {
    this.changeOne(finishSql(options, ''), { status, now: now.toISOString(), error, id })
    return this.mustGet(id)
  }

  /**
   * finish, only if the run is still as `seen` (same status, same process): a run that another
   * process claimed or ended since it was read is left alone. Undefined when it was.
   */
  finishIfUnchanged(
    seen: Pick<RunRecord, 'id' | 'status' | 'pid'>,
    status: FinalRunStatus,
    error: string | null,
    now = new Date(),
    options: { trainedUntil?: 'now' | 'last-progress' } = {},
  ): RunRecord | undefined {
    const { changes } = this.db
      .prepare(finishSql(options, 'AND status = @seenStatus AND pid IS @seenPid'))
      .run({ status, now: now.toISOString(), error, id: seen.id, seenStatus: seen.status, seenPid: seen.pid })
    return changes === 1 ? this.mustGet(seen.id) : undefined
  }

  /** Removes a run; its metrics, checkpoints and exports rows go with it (ON DELETE CASCADE). */
  delete(id: string): void {
    this.changeOne('DELETE FROM runs WHERE id = ?', id)
  }

  /**
   * Removes a run that no process is at work on; its metrics, checkpoints and exports rows go
   * with it (ON DELETE CASCADE). False when the run is starting or running (checked in the same
   * statement, so a Resume that claimed it a moment ago wins).
   */
  deleteUnlessActive(id: string): boolean {
    return this.db.prepare(`DELETE FROM runs WHERE id = ? AND status NOT IN (${ACTIVE_SQL})`).run(id).changes === 1
  }

  /** Queued runs, first to start first (every device's, in one order). */
  listQueued(): RunRecord[] {
    return (this.db.prepare(`SELECT * FROM runs WHERE status = 'queued' ORDER BY queue_position, created_at`).all() as RunRow[]).map(toRecord)
  }

  /**
   * A queued run leaves the queue to start under `owner`, in one statement that checks it is
   * still queued: of two processes that both find the device free, one starts it. Undefined when
   * it is no longer queued (cancelled, started by the other).
   */
  startQueued(id: string, owner: ProcessIdentity, now = new Date()): RunRecord | undefined {
    const { changes } = this.db
      .prepare(
        `UPDATE runs SET status = 'starting', queue_position = NULL,
         pid = @pid, boot_time_ms = @bootTimeMs, process_started_at = @startedAt, heartbeat_at = @now
         WHERE id = @id AND status = 'queued'`,
      )
      .run({ id, pid: owner.pid, bootTimeMs: owner.bootTimeMs, startedAt: owner.startedAt, now: now.toISOString() })
    return changes === 1 ? this.mustGet(id) : undefined
  }

  /** A queued run is cancelled without ever starting. Undefined when it is no longer queued. */
  cancelQueued(id: string, now = new Date()): RunRecord | undefined {
    const { changes } = this.db.prepare(finishSql({}, `AND status = 'queued'`)).run({ status: 'cancelled', now: now.toISOString(), error: null, id })
    return changes === 1 ? this.mustGet(id) : undefined
  }

  /**
   * Swaps a queued run with the queued run before it (`up`) or after it (`down`) in the order.
   * False when it is not queued or already first (last).
   */
  moveInQueue(id: string, direction: 'up' | 'down'): boolean {
    const move = this.db.transaction(() => {
      const queue = this.listQueued()
      const at = queue.findIndex((run) => run.id === id)
      const other = queue[direction === 'up' ? at - 1 : at + 1]
      if (at < 0 || !other) return false
      const positions = [queue[at].queuePosition, other.queuePosition]
      const setPosition = this.db.prepare(`UPDATE runs SET queue_position = ? WHERE id = ?`)
      setPosition.run(positions[1], id)
      setPosition.run(positions[0], other.id)
      return true
    })
    return move()
  }

  /** Runs starting or running: start-up recovery checks that their processes are theirs. */
  listActive(): RunRecord[] {
    return (this.db.prepare(`SELECT * FROM runs WHERE status IN (${ACTIVE_SQL})`).all() as RunRow[]).map(toRecord)
  }

  /** The run id is the last positional parameter, or `id` of named ones. */
  private changeOne(sql: string, ...params: unknown[]): void {
    const { changes } = this.db.prepare(sql).run(...params)
    const last = params[params.length - 1]
    const id = typeof last === 'object' && last !== null && 'id' in last ? last.id : last
    if (changes !== 1) throw new Error(`Run ${String(id)} does not exist`)
  }

  /** Where the run trains (provider, precision, batch shape), as its training process found it. */
  setTrainedOn(id: string, trainedOn: string): void {
    const { changes } = this.db.prepare(`UPDATE runs SET trained_on = ? WHERE id = ?`).run(trainedOn, id)
    if (changes !== 1) throw new Error(`Run ${id} does not exist`)
  }

  /** How many steps the run trains, as its training process counted them once its data was read. */
  setTotalSteps(id: string, totalSteps: number): void {
    this.changeOne('UPDATE runs SET total_steps = ? WHERE id = ?', totalSteps, id)
  }

  /** The step whose checkpoint scored best so far (a new best replaces it). */
  setBestStep(id: string, step: number): void {
    this.changeOne('UPDATE runs SET best_step = ? WHERE id = ?', step, id)
  }

  /** The run ended because its watched metric stopped improving (with finish, in one transaction). */
  markStoppedEarly(id: string): void {
    this.changeOne('UPDATE runs SET stopped_early = 1 WHERE id = ?', id)
  }

  private mustGet(id: string): RunRecord {
    const run = this.get(id)
    if (!run) throw new Error(`Run ${id} does not exist`)
    return run
  }
}

function finishSql(options: { trainedUntil?: 'now' | 'last-progress' }, condition: string): string {
  const segmentEnd = options.trainedUntil === 'last-progress' ? 'coalesce(progress_at, @now)' : '@now'
  return `UPDATE runs SET status = @status, finished_at = @now, error = @error, pid = NULL, process_started_at = NULL, queue_position = NULL,
    trained_seconds = trained_seconds + coalesce(max(0, (julianday(${segmentEnd}) - julianday(segment_started_at)) * 86400), 0),
    segment_started_at = NULL
    WHERE id = @id ${condition}`
}

function whyNotStarted(run: RunRecord | undefined, id: string): string {
  if (!run) return `Run ${id} does not exist`
  if (run.status === 'completed') return `run ${id} is completed; start a new run (adapter.init: its adapter folder) to train further`
  if (run.status === 'running') return `run ${id} is already being trained by process ${run.pid}`
  const what = run.status === 'cancelled' ? 'cancelled' : `marked ${run.status}`
  return `run ${id} was ${what} before its training process started, so it does not train now${run.error ? ` (${run.error})` : ''}; resume it to train it`
}

function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ')
}

function toSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    method: row.method,
    modelId: row.model_id,
    datasetId: row.dataset_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    resumedFrom: row.resumed_from,
    trainingSeconds: row.trained_seconds,
    segmentStartedAt: row.segment_started_at,
    trainedOn: row.trained_on,
    totalSteps: row.total_steps,
    bestStep: row.best_step,
    stoppedEarly: row.stopped_early === 1,
  }
}

function toRecord(row: RunRow): RunRecord {
  return {
    ...toSummary(row),
    config: JSON.parse(row.config),
    pid: row.pid,
    bootTimeMs: row.boot_time_ms,
    processStartedAt: row.process_started_at,
    heartbeatAt: row.heartbeat_at,
    queuePosition: row.queue_position,
  }
}
