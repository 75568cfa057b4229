import { shallowRef } from 'vue'
import { mergePoints, type Point } from '../../runs/series'

/**
 * Live curves are redrawn at most this often. A small model trains tens of steps a second, and
 * redrawing every chart and the expert-load heatmap on each step kept the page's main thread busy
 * (clicks waited for it) and took CPU from the run training beside it on the same machine.
 */
export const LIVE_REDRAW_MS = 250

/**
 * A run's metric curves by name: the stored points merged in whole, live points queued and merged
 * at most every LIVE_REDRAW_MS, so that each chart redraws a few times a second however fast the
 * run steps.
 */
export function useLiveCurves() {
  /** Replaced whole on every change (never mutated), so thousands of points need no deep proxies. */
  const series = shallowRef<Record<string, Point[]>>({})
  /** Points from live events waiting for the next redraw, by series. */
  let pending = new Map<string, Point[]>()
  let redrawTimer: ReturnType<typeof setTimeout> | null = null
  let lastRedraw = Number.NEGATIVE_INFINITY

  /** A live point, shown with the next redraw (scheduleRedraw). */
  function queue(name: string, step: number, value: number): void {
    const queued = pending.get(name)
    if (queued) queued.push({ step, value })
    else pending.set(name, [{ step, value }])
  }

  /** An event's points show at once after a quiet spell, otherwise with the next redraw. */
  function scheduleRedraw(): void {
    if (redrawTimer) return
    const wait = lastRedraw + LIVE_REDRAW_MS - Date.now()
    if (wait <= 0) redrawNow()
    else redrawTimer = setTimeout(redrawNow, wait)
  }

  /** Merges the queued points into the curves. */
  function redrawNow(): void {
    if (redrawTimer) clearTimeout(redrawTimer)
    redrawTimer = null
    lastRedraw = Date.now()
    if (pending.size === 0) return
    merge(pending)
    pending = new Map()
  }

  /** Merges points by series into the curves in one change, so each chart redraws once. */
  function merge(batch: Iterable<[string, Point[]]>): void {
    const next = { ...series.value }
    for (const [name, points] of batch) next[name] = mergePoints(next[name] ?? [], points)
    series.value = next
  }

  /** Drops the queued points (another run is shown, or the page closed: a read brings them back). */
  function forgetQueued(): void {
    if (redrawTimer) clearTimeout(redrawTimer)
    redrawTimer = null
    pending = new Map()
  }

  function clear(): void {
    forgetQueued()
    series.value = {}
  }

  return { series, queue, scheduleRedraw, redrawNow, merge, forgetQueued, clear }
}
