// The real processes the fault-injection tests kill: the `mixture-studio` CLI (`train`, which
// trains in its own process, and `serve`, whose jobs train in child processes), and what a test
// reads after a kill: the store as the next start would find it (start-up recovery included).
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openStore, type MetricPoint } from '../../../main/store'
import { endedFromStat } from '../../../main/store/process-liveness'
import { listCheckpoints, readCheckpoint } from '../../../main/train/checkpoint'

const BIN = fileURLToPath(new URL('../../../bin/mixture-studio.mjs', import.meta.url))

/** Every process started here that has not ended yet. */
const running = new Set<ChildProcess>()

function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  child.on('close', () => running.delete(child))
  return child
}

/** Kills what a failed test left running (a `serve` whose job then ends by itself). */
export function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL')
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface CliRun {
  readonly child: ChildProcess
  /** The `--json` lines printed so far. */
  readonly lines: Record<string, unknown>[]
  /** Steps printed so far, in order. */
  readonly steps: number[]
  readonly exited: Promise<Exit>
  /** Resolves true once step `step` (or a later one) is printed, false if the process ends first. */
  untilStep(step: number): Promise<boolean>
}

/** `mixture-studio <args>` as a real process; `env` is added to this process's environment. */
export function startCli(args: string[], env: Record<string, string>): CliRun {
  const child = spawnCli(args, env)
  const lines: Record<string, unknown>[] = []
  const steps: number[] = []
  const waiting: { step: number; resolve: (reached: boolean) => void }[] = []
  let pending = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    pending += text
    const complete = pending.split('\n')
    pending = complete.pop()!
    for (const line of complete) {
      if (!line.startsWith('{')) continue
      const object = JSON.parse(line) as Record<string, unknown>
      lines.push(object)
      if (object.type !== 'step') continue
      steps.push(object.step as number)
      for (const w of waiting.filter((w) => (object.step as number) >= w.step)) {
        waiting.splice(waiting.indexOf(w), 1)
        w.resolve(true)
      }
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => {
      for (const w of waiting.splice(0)) w.resolve(false)
      // A process that failed on its own says why; a test that expected it to train shows this.
      if (code !== 0 && signal === null && stderr) lines.push({ type: 'stderr', message: stderr })
      resolve({ code, signal })
    }),
  )
  return {
    child,
    lines,
    steps,
    exited,
    untilStep: (step) =>
      steps.some((s) => s >= step) || child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve(steps.some((s) => s >= step))
        : new Promise((resolve) => waiting.push({ step, resolve })),
  }
}

/** SIGKILL now (a process that already ended is left as it is); resolves once it is gone. */
export async function killHard(run: { child: ChildProcess; exited: Promise<Exit> }): Promise<Exit> {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
  return run.exited
}

export interface Serve {
  readonly child: ChildProcess
  readonly exited: Promise<Exit>
  /** One contract call over HTTP, as the browser makes it; an API error rejects with its message. */
  call<T>(name: string, input: unknown): Promise<T>
}

/** `mixture-studio serve` as a real process, once it prints its address. */
export async function startServe(env: Record<string, string>): Promise<Serve> {
  const child = spawnCli(['serve', '--no-open'], env)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  const address = await Promise.race([
    new Promise<URL>((resolve) => {
      const look = () => {
        const match = /http:\/\/\S+\?token=\S+/.exec(stdout)
        if (match) resolve(new URL(match[0]))
        else if (child.exitCode === null) setTimeout(look, 20)
      }
      look()
    }),
    exited.then((exit) => Promise.reject(new Error(`serve ended (${JSON.stringify(exit)}) before printing its address: ${stderr}`))),
  ])
  const token = address.searchParams.get('token')!
  return {
    child,
    exited,
    async call<T>(name: string, input: unknown): Promise<T> {
      const response = await fetch(`${address.origin}/api/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(input),
      })
      const body = (await response.json()) as T & { message?: string }
      if (!response.ok) throw new Error(`${name}: ${response.status} ${body.message}`)
      return body
    },
  }
}

/**
 * Resolves true once process `pid` (not a child of this one) has ended. An orphan that died is a
 * zombie until init reaps it, which may take a while: that counts as ended, as it does for
 * start-up recovery (a run whose process is a zombie is interrupted).
 */
export async function processEnded(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (!processRuns(pid)) return true
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  if (process.platform !== 'linux') return true
  try {
    return !endedFromStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    return false
  }
}

/** What the next start of Mixture Studio finds after a crash. */
export interface StoreAfterCrash {
  integrity: string
  status: string
  error: string | null
  /** The owning process the store names (to kill it, or to wait for it). */
  pid: number | null
  losses: MetricPoint[]
  evalLosses: MetricPoint[]
  /** Complete checkpoints on disk (step-N folders with their state file), oldest first: resume reads the newest. */
  checkpointSteps: number[]
  /**
   * What is wrong with the checkpoints (should be nothing): every complete one on disk (resume
   * reads the newest; pruning renames a folder before deleting it, so a kill mid-prune leaves no
   * half folder named step-N) and every one the store lists, which the app offers.
   */
  checkpointProblems: string[]
}

/**
 * Opens the store afresh, as the app, `serve` or the CLI does on start (so start-up recovery
 * runs), and reads back one run and its folder. `runId` null: the data folder's only run.
 */
export function readStoreAfterCrash(dataDir: string, runId: string | null): StoreAfterCrash & { runId: string } {
  const store = openStore(dataDir)
  try {
    const integrity = String(store.db.pragma('integrity_check', { simple: true }))
    const runs = store.runs.list({ limit: 10 })
    if (runId === null && runs.length !== 1) throw new Error(`expected one run in ${dataDir}, found ${runs.length}`)
    const id = runId ?? runs[0].id
    const run = store.runs.get(id)
    if (!run) throw new Error(`run ${id} is not in the store of ${dataDir}`)
    const onDisk = listCheckpoints(join(dataDir, 'runs', id, 'checkpoints'))
    const listed = store.artifacts.listCheckpoints(id).map((c) => c.path)
    const checkpointProblems: string[] = []
    for (const path of new Set([...onDisk.map((c) => c.path), ...listed])) {
      if (!existsSync(path)) {
        checkpointProblems.push(`${path}: listed by the store, but not on disk`)
        continue
      }
      try {
        readCheckpoint(path)
      } catch (error) {
        checkpointProblems.push(`${path}: ${(error as Error).message}`)
      }
    }
    return {
      runId: id,
      integrity,
      status: run.status,
      error: run.error,
      pid: run.pid,
      losses: store.metrics.curve(id, 'loss'),
      evalLosses: store.metrics.curve(id, 'eval_loss'),
      checkpointSteps: onDisk.map((c) => c.step),
      checkpointProblems,
    }
  } finally {
    store.close()
  }
}

/** The first step at which `curve` differs from `reference` (bit for bit), or null; `curve` may be a prefix. */
export function firstDifference(curve: readonly MetricPoint[], reference: readonly MetricPoint[]): string | null {
  for (let i = 0; i < curve.length; i++) {
    const expected = reference[i]
    const got = curve[i]
    if (!expected) return `step ${got.step} is past the reference's last step ${reference.at(-1)?.step}`
    if (got.step !== expected.step) return `the curve has step ${got.step} where the reference has step ${expected.step} (a step missing or repeated)`
    if (got.value !== expected.value) return `step ${got.step}: ${got.value} where the uninterrupted run had ${expected.value}`
  }
  return null
}
