import { ref, type Ref } from 'vue'
import type { RunLogLine } from '../../../../main/contract'
import { api } from '../../api'

/** As many lines as a run keeps in the store: a long run must not grow the page without bound. */
export const MAX_LOG_LINES = 2000

/**
 * The log stored with the run shown (so a finished run shows it too). follow() reads the lines
 * after the last one held; an event that adds a line calls it.
 */
export function useRunLog(runId: Readonly<Ref<string | null>>) {
  const logs = ref<RunLogLine[]>([])

  /** Reads the run's log lines after the newest one shown; calls made while one reads run once more after it. */
  let reading: Promise<void> | null = null
  let readAgain = false
  function follow(): Promise<void> {
    if (reading) {
      readAgain = true
      return reading
    }
    reading = (async () => {
      do {
        readAgain = false
        await readNewLines()
      } while (readAgain)
    })().finally(() => {
      reading = null
    })
    return reading
  }

  async function readNewLines(): Promise<void> {
    const id = runId.value
    if (!id) return
    const afterId = logs.value.at(-1)?.id
    try {
      const read = await api.runsLog({ runId: id, ...(afterId !== undefined ? { afterId } : {}) })
      if (id !== runId.value) return
      logs.value.push(...read.lines.filter((line) => afterId === undefined || line.id > afterId))
      if (logs.value.length > MAX_LOG_LINES) logs.value.splice(0, logs.value.length - MAX_LOG_LINES)
    } catch {
      // The log is secondary: the next event or reconnect reads it again.
    }
  }

  function clear(): void {
    logs.value = []
  }

  return { logs, follow, clear }
}
