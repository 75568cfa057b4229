// When each queued run of one device is expected to start, for the Queue panel: the device's
// places (Settings' runsAtOncePerDevice) free as the runs on it end, each queued run takes the
// first place that frees, in order, and then holds it for its own estimated time. Pure, so the
// arithmetic is tested without runs or processes. Unknown times stay unknown (null) rather than
// guessed: the panel says "after <run>" instead.

export interface RunOnDevice {
  runId: string
  name: string
  /** Seconds until it ends: a training run's remaining steps at its measured pace, a queued run's estimate; null when unknown. */
  seconds: number | null
}

export interface ExpectedStart {
  runId: string
  /** Seconds from now; null when a run it waits for has no estimate. */
  startsInSeconds: number | null
  /** The run whose end gives it its place; null when a place is free now. */
  after: { runId: string; name: string } | null
}

interface Place {
  /** Seconds from now until the run holding it ends; null when unknown. */
  freeIn: number | null
  holder: RunOnDevice
}

export function expectedStarts(training: readonly RunOnDevice[], queued: readonly RunOnDevice[], placesOnDevice: number): ExpectedStart[] {
  const held: Place[] = training.map((run) => ({ freeIn: run.seconds, holder: run }))
  let now: number | null = 0
  let lastFreedBy: RunOnDevice | null = null
  return queued.map((run) => {
    let freedBy: RunOnDevice | null = null
    while (held.length >= Math.max(1, placesOnDevice)) {
      const first = takeFirstToFree(held)
      now = now === null || first.freeIn === null ? null : Math.max(now, first.freeIn)
      freedBy = first.holder
    }
    // A place freed earlier for a run before it was left over (several places): it waited for the same run.
    const after = freedBy ?? (now === 0 ? null : lastFreedBy)
    lastFreedBy = after
    held.push({ freeIn: now === null || run.seconds === null ? null : now + run.seconds, holder: run })
    return { runId: run.runId, startsInSeconds: now, after: after && { runId: after.runId, name: after.name } }
  })
}

/** Removes and returns the place that frees first: the smallest known time, else the first unknown. */
function takeFirstToFree(held: Place[]): Place {
  let index = 0
  for (let i = 1; i < held.length; i++) {
    const best = held[index].freeIn
    const candidate = held[i].freeIn
    if (candidate !== null && (best === null || candidate < best)) index = i
  }
  return held.splice(index, 1)[0]
}
