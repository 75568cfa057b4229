// The log line a run event stands for, as stored with the run and shown on its page: the
// process's own messages, and one line per eval, checkpoint and status change. Steps are
// curves, not lines.
import type { RunEvent } from '../contract'
import type { RunLogLevel } from '../store'

export interface RunLogEntry {
  level: RunLogLevel
  message: string
}

/** An eval's numbers in words: the loss (when the run has validation data), then the other metrics. */
export function evalWords(event: Extract<RunEvent, { type: 'eval' }>): string {
  const loss = event.loss === null ? [] : [`loss ${event.loss.toFixed(4)} over ${event.tokens} tokens of ${event.examples} examples`]
  const others = Object.entries(event.metrics)
    .filter(([name]) => name !== 'eval_loss')
    .map(([name, value]) => `${name} ${value.toFixed(4)}`)
  return [...loss, ...others].join(', ')
}

export function runEventLogLine(event: RunEvent): RunLogEntry | null {
  switch (event.type) {
    case 'step':
      return null
    // Answers have their own table (run_answers) and table on the Run page.
    case 'answers':
      return null
    case 'log':
      return { level: event.level, message: event.message }
    case 'eval':
      return { level: 'info', message: `eval at step ${event.step}: ${evalWords(event)}` }
    case 'checkpoint':
      return { level: 'info', message: `checkpoint at step ${event.step}: ${event.path}` }
    case 'status':
      if (event.status === 'running') return { level: 'info', message: 'run started' }
      return {
        level: event.status === 'failed' ? 'error' : 'info',
        message: `run ${event.status}${event.error ? `: ${event.error}` : ''}${event.adapter ? `; adapter in ${event.adapter}` : ''}`,
      }
    default: {
      const unknownEvent: never = event
      throw new Error(`no log line for run event ${JSON.stringify(unknownEvent)}`)
    }
  }
}
