// How far the training runs are, from their run events: what the window's title ("43% · Runs")
// and, in the desktop app, the taskbar or dock icon show, so progress is seen from outside the
// app. One tracker for both: the renderer feeds it the events it receives, the Electron main
// process the events it forwards.
import type { RunEvent } from './runs'

export interface OverallProgress {
  /** Steps done over steps to do, averaged over the runs training. */
  fraction: number
  runs: number
}

export class TrainingProgress {
  private readonly runs = new Map<string, { step: number; total: number }>()

  /** Takes one run event; true when what `overall` answers may have changed. */
  take(event: RunEvent): boolean {
    if (event.type === 'step') {
      if (event.totalSteps <= 0) return false
      this.runs.set(event.runId, { step: Math.min(event.step, event.totalSteps), total: event.totalSteps })
      return true
    }
    // A run that is not training (any longer) shows no progress; one starting has none yet.
    if (event.type === 'status' && event.status !== 'running' && event.status !== 'starting') return this.runs.delete(event.runId)
    return false
  }

  /** Forgets every run (their next step events bring them back). */
  clear(): void {
    this.runs.clear()
  }

  /** Null while no run trains. */
  overall(): OverallProgress | null {
    if (this.runs.size === 0) return null
    let sum = 0
    for (const { step, total } of this.runs.values()) sum += step / total
    return { fraction: sum / this.runs.size, runs: this.runs.size }
  }
}

/** "43% · ", "2 runs 43% · " before the page's title; nothing while no run trains. Never 100% before the end. */
export function progressTitlePrefix(progress: OverallProgress | null): string {
  if (!progress) return ''
  const percent = Math.min(99, Math.floor(progress.fraction * 100))
  return `${progress.runs > 1 ? `${progress.runs} runs ` : ''}${percent}% · `
}
