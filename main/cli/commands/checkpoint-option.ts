// --checkpoint best|last|N: which adapter of a run a command uses (eval --run, export RUN).
// best is the default: what training marked best on its watched metric, which is not the last
// adapter of a run that went on past its best (or stopped early because of it).
import type { CheckpointChoice } from '../../train/run-eval'
import { UsageError } from '../command'

export const CHECKPOINT_OPTION_HELP = `best (default; the checkpoint the run marked best on its eval_loss or
                  early_stopping.metric, else its last adapter), last (the final adapter of a
                  completed run, else its newest checkpoint) or a step N (checkpoints/step-N)`

export function checkpointChoice(text: string | undefined): CheckpointChoice {
  if (text === undefined || text === 'best') return { kind: 'best' }
  if (text === 'last') return { kind: 'last' }
  if (!/^\d+$/.test(text)) throw new UsageError(`--checkpoint must be best, last or a step number, not "${text}"`)
  return { kind: 'step', step: Number(text) }
}
