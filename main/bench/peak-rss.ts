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
  return procStatusBytes('VmHWM') ?? process.resourceUsage().maxRSS * 1024
}

/** Bytes resident now (VmRSS on Linux; elsewhere rss()), to subtract from a later peak. */
export function currentRssBytes(): number {
  return procStatusBytes('VmRSS') ?? process.memoryUsage.rss()
}

/** A "<field>: N kB" line of /proc/self/status in bytes, or null off Linux (or without /proc). */
function procStatusBytes(field: 'VmHWM' | 'VmRSS'): number | null {
  if (process.platform !== 'linux') return null
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))
    return match ? Number(match[1]) * 1024 : null
  } catch {
    return null // no /proc
  }
}
