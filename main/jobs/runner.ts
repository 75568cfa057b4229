import { randomUUID } from 'node:crypto'
import { ApiCallError, type JobEvent, type JobInfo, type JobKind, type JobState, type RunEvent } from '../contract'
import { WorkerMessage } from './protocol'
import type { JobProcess, JobProcessExit, JobSpawner } from './spawner'
import { StderrTail } from './stderr-tail'

/** How long a job gets to die after SIGTERM before it is killed outright. */
const CANCEL_GRACE_MS = 3_000
/** Ended jobs kept for `list`; running ones are always kept. */
const MAX_ENDED_JOBS = 100

interface Job {
  info: JobInfo
  /** Null only while the spawner is starting it. */
  process: JobProcess | null
  pid: number | null
  stderr: StderrTail
  cancelRequested: boolean
  /** The job's own account of failure (a `failed` message), if it gave one. */
  reportedError: string | null
  reportedCode: JobInfo['errorCode']
  ended: Promise<JobInfo>
  resolveEnded(info: JobInfo): void
}

export type JobEventListener = (event: JobEvent) => void
/** `jobId` is null for an event main itself causes (a run queued, or cancelled while queued). */
export type RunEventListener = (event: RunEvent, jobId: string | null) => void

/**
 * Runs each job in its own process and keeps them in memory. Everything a process sends is
 * validated against the contract before anyone sees it; how the process ended decides the
 * final state (see `finalState`).
 */
export class JobRunner {
  private readonly jobs = new Map<string, Job>()
  private readonly listeners = new Set<JobEventListener>()
  private readonly runListeners = new Set<RunEventListener>()
  private shuttingDown = false

  constructor(
    private readonly spawner: JobSpawner,
    private readonly options: {
      cancelGraceMs?: number
      now?: () => Date
      /** Added to every job's environment (the services' data folder as MIXTURE_STUDIO_HOME). */
      env?: Readonly<Record<string, string>>
    } = {},
  ) {}

  subscribe(listener: JobEventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Run events of training jobs (see JobRunEvent), with the job that sent them. */
  subscribeRunEvents(listener: RunEventListener): () => void {
    this.runListeners.add(listener)
    return () => this.runListeners.delete(listener)
  }

  /**
   * A run event main itself causes (a run queued, moved in the queue, or cancelled before its
   * process started), sent to the same listeners as the training processes' events, so a page
   * follows one stream.
   */
  publishRunEvent(event: RunEvent): void {
    this.tellRunListeners(event, null)
  }

  /** shutdown() was called: nothing new should start (the run queue must not start the next run). */
  get isShuttingDown(): boolean {
    return this.shuttingDown
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((job) => ({ ...job.info }))
  }

  get(jobId: string): JobInfo {
    return { ...this.mustFind(jobId).info }
  }

  /** Starts a job; `args` are passed to the job's code (JobContext.args), `env` added to its process's environment. */
  start(kind: JobKind, args: readonly string[] = [], options: { env?: Readonly<Record<string, string>> } = {}): JobInfo {
    const id = randomUUID()
    let resolveEnded!: (info: JobInfo) => void
    const ended = new Promise<JobInfo>((resolve) => (resolveEnded = resolve))
    const job: Job = {
      info: { id, kind, state: 'running', startedAt: this.now(), endedAt: null, error: null },
      process: null,
      pid: null,
      stderr: new StderrTail(),
      cancelRequested: false,
      reportedError: null,
      reportedCode: undefined,
      ended,
      resolveEnded,
    }
    this.jobs.set(id, job)
    const env = { ...this.options.env, ...options.env }
    job.process = this.spawner.spawn(
      { kind, jobId: id, args, ...(Object.keys(env).length > 0 ? { env } : {}) },
      {
        onSpawn: (pid) => {
          job.pid = pid
          this.emit({ type: 'started', jobId: id, kind, pid })
        },
        onMessage: (message) => this.receive(job, message),
        onStderr: (text) => job.stderr.append(text),
        onExit: (exit) => this.finish(job, exit),
      },
    )
    return { ...job.info }
  }

  /**
   * Kills the job's process and resolves once it is gone, so the answer says `cancelled`.
   * Cancelling a job that already ended returns it as it is.
   */
  async cancel(jobId: string): Promise<JobInfo> {
    const job = this.mustFind(jobId)
    if (job.info.state !== 'running') return { ...job.info }
    job.cancelRequested = true
    job.process?.kill('SIGTERM')
    const escalate = setTimeout(() => job.process?.kill('SIGKILL'), this.options.cancelGraceMs ?? CANCEL_GRACE_MS)
    try {
      return { ...(await job.ended) }
    } finally {
      clearTimeout(escalate)
    }
  }

  /** Resolves with the job's final info once its process is gone. */
  async waitForEnd(jobId: string): Promise<JobInfo> {
    return { ...(await this.mustFind(jobId).ended) }
  }

  /** Cancels every running job (when the app or server shuts down). */
  async shutdown(): Promise<void> {
    this.shuttingDown = true
    const running = [...this.jobs.values()].filter((job) => job.info.state === 'running')
    await Promise.all(running.map((job) => this.cancel(job.info.id)))
  }

  private receive(job: Job, raw: unknown): void {
    const parsed = WorkerMessage.safeParse(raw)
    if (!parsed.success || parsed.data.jobId !== job.info.id || parsed.data.type === 'started' || parsed.data.type === 'ended') {
      this.emit({
        type: 'log',
        jobId: job.info.id,
        level: 'error',
        message: `ignored a malformed message from the job process: ${JSON.stringify(raw)?.slice(0, 300)}`,
      })
      return
    }
    const message = parsed.data
    if (message.type === 'failed') {
      job.reportedError = message.error
      job.reportedCode = message.code
      return
    }
    if (message.type === 'run') {
      this.tellRunListeners(message.event, job.info.id)
      return
    }
    if (message.type === 'result') job.info.result = message.data
    this.emit(message)
  }

  private finish(job: Job, exit: JobProcessExit): void {
    if (job.info.state !== 'running') return
    const { state, error } = finalState(job, exit)
    job.info.state = state
    job.info.error = error
    if (state === 'failed' && job.reportedCode) job.info.errorCode = job.reportedCode
    job.info.endedAt = this.now()
    const lastWords = state === 'interrupted' || state === 'failed' ? job.stderr.lastWords() : null
    this.emit({ type: 'ended', jobId: job.info.id, state, error, lastWords })
    job.resolveEnded({ ...job.info })
    this.forgetOldEndedJobs()
  }

  private forgetOldEndedJobs(): void {
    const ended = [...this.jobs.values()].filter((job) => job.info.state !== 'running')
    for (const job of ended.slice(0, Math.max(0, ended.length - MAX_ENDED_JOBS))) this.jobs.delete(job.info.id)
  }

  private tellRunListeners(event: RunEvent, jobId: string | null): void {
    for (const listener of this.runListeners) {
      try {
        listener(event, jobId)
      } catch (error) {
        console.error('run event listener failed', error)
      }
    }
  }

  private emit(event: JobEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        // One broken subscriber (a closed window) must not stop the others or the job.
        console.error('job event listener failed', error)
      }
    }
  }

  private mustFind(jobId: string): Job {
    const job = this.jobs.get(jobId)
    if (!job) throw new ApiCallError('not_found', `No job with id ${jobId} (jobs are kept until the app restarts).`)
    return job
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString()
  }
}

/**
 * - cancelled: we asked it to stop (whatever it said while dying);
 * - failed: the job reported an error and exited by itself;
 * - completed: exit code 0;
 * - interrupted: anything else: a crash, a signal from outside, a failed start.
 */
function finalState(job: Job, exit: JobProcessExit): { state: JobState; error: string | null } {
  if (job.cancelRequested) return { state: 'cancelled', error: null }
  if (exit.spawnError) {
    return { state: 'interrupted', error: `The job process could not be started: ${exit.spawnError.message}` }
  }
  if (job.reportedError !== null && exit.code !== null) return { state: 'failed', error: job.reportedError }
  if (exit.code === 0) return { state: 'completed', error: null }
  const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`
  const pid = job.pid === null ? '' : ` ${job.pid}`
  return { state: 'interrupted', error: `The job process${pid} ${how} before the job finished.` }
}
