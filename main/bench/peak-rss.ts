// Peak resident memory of this process, for benchmarks that run each measurement in a child.
import { readFileSync } from 'node:fs'

/**
 * Bytes. On Linux, VmHWM (the high-water mark of this process's own memory map). Not
 * process.resourceUsage().maxRSS there: a child started by fork + exec inherits the parent's
 * maxRSS at the fork (measured: a child of a 434 MB parent reports 395 MB, VmHWM 44 MB), so a
 * bench whose parent has just written the weights would count them in every child.
 * Elsewhere, maxRSS.
 */
export function peakRssBytes(): number {
  if (process.platform === 'linux') {
    try {
      const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
      if (match) return Number(match[1]) * 1024
    } catch {
      // no /proc: fall through
    }
  }
  return process.resourceUsage().maxRSS * 1024
}

/** Bytes resident now (VmRSS on Linux; elsewhere rss()), to subtract from a later peak. */
export function currentRssBytes(): number {
  if (process.platform === 'linux') {
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
      if (match) return Number(match[1]) * 1024
    } catch {
      // no /proc: fall through
    }
  }
  return process.memoryUsage.rss()
}
