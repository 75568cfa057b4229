import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { uptime } from 'node:os'

/**
 * Who a run's process is. A pid alone is reused (after a reboot, or by any program started
 * later), so a stored pid proves nothing by itself: the run also keeps when the machine
 * booted and when the process started.
 */
export interface ProcessIdentity {
  pid: number
  bootTimeMs: number
  /**
   * When the process started, as this platform tells it (compared only for equality, on the
   * same machine); null where the platform cannot tell (Windows): a heartbeat lease stands in.
   */
  startedAt: string | null
}

/** What the platform says about when a pid's process started. */
export type ProcessStart = { state: 'started'; at: string } | { state: 'gone' } | { state: 'unknown' }

/**
 * A training process writes a heartbeat this often (and at every step). onnxruntime's
 * session.run blocks the event loop, so during a long step or graph build the timer fires late.
 */
export const HEARTBEAT_INTERVAL_MS = 30_000

/**
 * Where a process's start time cannot be read, a live pid counts as the run's own process only
 * while the run's heartbeat is younger than this. Generous on purpose: a step or a graph build
 * that blocks the event loop for minutes (a big model on the CPU) must not get a live run marked
 * interrupted; a dead run whose pid was reused meanwhile waits at most this long to be found.
 */
export const HEARTBEAT_LEASE_MS = 15 * 60_000

/** When this machine booted, in ms since the epoch (to tell a reused pid after a reboot). */
export function currentBootTimeMs(): number {
  return Math.round(Date.now() - uptime() * 1000)
}

/**
 * Boot times computed from uptime drift a little (clock adjustments); reboots are further
 * apart than this.
 */
const SAME_BOOT_TOLERANCE_MS = 60_000

export function isSameBoot(a: number, b: number): boolean {
  return Math.abs(a - b) < SAME_BOOT_TOLERANCE_MS
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** This process, as a run records the process that owns it. */
export function currentProcessIdentity(): ProcessIdentity {
  const start = processStart(process.pid)
  return { pid: process.pid, bootTimeMs: currentBootTimeMs(), startedAt: start.state === 'started' ? start.at : null }
}

/** Linux: /proc/PID/stat (exact, in clock ticks since boot); Windows: unknown; other Unixes: ps. */
export function processStart(pid: number, platform: NodeJS.Platform = process.platform): ProcessStart {
  if (platform === 'linux') return procStatStart(pid)
  if (platform === 'win32') return { state: 'unknown' }
  return psStart(pid)
}

/** Field 22 of /proc/PID/stat: the process's start time, in clock ticks after boot. */
export function procStatStart(pid: number): ProcessStart {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { state: 'gone' } : { state: 'unknown' }
  }
  // A zombie has ended and only waits for its parent to collect its exit status. An orphaned
  // job waits for init, which may take a while (or never come, where the first process of a
  // container does not reap), and kill(pid, 0) still answers: it must not pass for a live run.
  if (endedFromStat(stat)) return { state: 'gone' }
  const at = startTimeFromStat(stat)
  return at === null ? { state: 'unknown' } : { state: 'started', at }
}

/** Field 3 of /proc/PID/stat (after the last ")") is Z (zombie) or X (dead). */
export function endedFromStat(stat: string): boolean {
  const close = stat.lastIndexOf(')')
  const state = close < 0 ? undefined : stat.slice(close + 1).trim().split(/\s+/)[0]
  return state === 'Z' || state === 'X'
}

/**
 * Field 2 (the command name, in parentheses) may itself hold spaces and parentheses, so the
 * fields are counted from the LAST ')': field 3 (state) follows it, so field 22 is the 20th.
 */
export function startTimeFromStat(stat: string): string | null {
  const close = stat.lastIndexOf(')')
  if (close < 0) return null
  const field = stat.slice(close + 1).trim().split(/\s+/)[22 - 3]
  return field !== undefined && /^\d+$/.test(field) ? field : null
}

/** `ps -o lstart=` (macOS, the BSDs): the start time to the second, in the C locale so it reads the same every time. */
export function psStart(pid: number): ProcessStart {
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim()
    return out === '' ? { state: 'gone' } : { state: 'started', at: out }
  } catch (error) {
    // ps answers 1 when no process has the pid; anything else (no ps, a timeout) says nothing.
    return (error as { status?: number | null }).status === 1 ? { state: 'gone' } : { state: 'unknown' }
  }
}
