import { uptime } from 'node:os'

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
