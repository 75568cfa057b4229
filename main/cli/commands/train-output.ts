// How `train` and `demo` print a run's events: a line per step (every few steps for humans),
// or with --json one object per line in the docs/DESIGN.md "CLI" shapes.
import type { RunEvent } from '../../contract'
import { evalWords } from '../../train/run-log-lines'
import type { CliContext } from '../command'

export interface TrainPrinter {
  event(event: RunEvent): void
  done(runId: string, adapter: string, step: number): void
  error(message: string): void
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

/** An answer on one terminal line: newlines shown as ⏎, cut at 100 characters. */
function oneLine(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ⏎ ').trim()
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat || '(empty)'
}

export function trainPrinter(context: CliContext, json: boolean): TrainPrinter {
  const line = (object: Record<string, unknown>) => context.stdout(`${JSON.stringify(object)}\n`)
  return {
    event(event) {
      if (json) {
        switch (event.type) {
          case 'step':
            return line({
              type: 'step', step: event.step, total_steps: event.totalSteps, loss: event.loss, lr: event.lr, grad_norm: event.gradNorm,
              tokens_per_s: event.tokensPerSecond, eta_s: event.etaSeconds, ...(event.routers ? { routers: event.routers } : {}),
            })
          case 'eval':
            return line({ type: 'eval', step: event.step, loss: event.loss, tokens: event.tokens, examples: event.examples, metrics: event.metrics })
          case 'checkpoint':
            return line({ type: 'checkpoint', step: event.step, path: event.path })
          case 'answers':
            return line({ type: 'answers', step: event.step, answers: event.answers.map((a) => ({ prompt_index: a.promptIndex, prompt: a.prompt, answer: a.answer })) })
          case 'log':
            return line({ type: 'log', level: event.level, message: event.message })
          case 'status':
            return event.status === 'running' ? undefined : line({ type: 'status', status: event.status, error: event.error })
        }
        return
      }
      switch (event.type) {
        case 'step': {
          // Humans get about 20 step lines per run, plus the first and the last. The count comes
          // with each step: a run by epochs knows it only once its data is read.
          const total = event.totalSteps
          const every = Math.max(1, Math.round(total / 20))
          if (event.step === 1 || event.step % every === 0 || event.step === total) {
            context.stdout(
              `step ${String(event.step).padStart(String(total).length)}/${total}  loss ${event.loss.toFixed(4)}  lr ${event.lr.toExponential(2)}  ` +
                `grad ${event.gradNorm.toFixed(3)}  ${Math.round(event.tokensPerSecond)} tok/s  eta ${duration(event.etaSeconds)}\n`,
            )
          }
          return
        }
        case 'eval':
          return context.stdout(`eval at step ${event.step}: ${evalWords(event)}\n`)
        case 'log':
          return (event.level === 'info' ? context.stdout : context.stderr)(`${event.message}\n`)
        case 'status':
          if (event.status === 'cancelled') context.stderr('cancelled; the run stopped after writing a checkpoint\n')
          return
        case 'checkpoint':
          return
        case 'answers':
          // One line per prompt, cut to a line's width: the whole answers are on the Run page and in runs show.
          for (const a of event.answers) context.stdout(`answer at step ${event.step} to prompt ${a.promptIndex + 1}: ${oneLine(a.answer)}\n`)
          return
      }
    },
    done(runId, adapter, step) {
      if (json) line({ type: 'done', run_id: runId, adapter, step })
      else context.stdout(`done: run ${runId}, ${step} steps; adapter written to ${adapter}\n`)
    },
    error(message) {
      if (json) line({ type: 'error', message })
      else context.stderr(`${message}\n`)
    },
  }
}
