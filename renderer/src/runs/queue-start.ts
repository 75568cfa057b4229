import type { QueuedRun } from '../../../main/contract'

/**
 * When a queued run is expected to start, in words: "next, as soon as its device is free" when a
 * place is free, "in about 3 min" from the estimates, else "after <run>" (the run it waits
 * for has no estimate yet: it has not trained a step, or its model cannot be read).
 */
export function expectedStartText(run: Pick<QueuedRun, 'startsInSeconds' | 'after'>): string {
  if (run.startsInSeconds !== null && run.startsInSeconds < 1) return 'next, as soon as its device is free'
  if (run.startsInSeconds !== null && run.startsInSeconds < 60) return 'in less than a minute'
  if (run.startsInSeconds !== null) return `in about ${roughly(run.startsInSeconds)}`
  return run.after ? `after ${run.after.name}` : 'when its device is free'
}

/** The device as the pages name it elsewhere. */
export function deviceName(device: QueuedRun['device']): string {
  return { cpu: 'CPU', cuda: 'CUDA', webgpu: 'WebGPU', dml: 'DirectML' }[device]
}

/** An estimate to the minute: "4 min", "1 h 5 min" (seconds would claim a precision it lacks). */
function roughly(seconds: number): string {
  const minutes = Math.round(seconds / 60)
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}
