import type { RunSummary } from '../../../main/contract'

/**
 * A run with something to evaluate or try: it has trained. A run starting has no adapter yet, and
 * a run queued before its first start has nothing at all (a resumed run waiting in the queue keeps
 * the checkpoints it had).
 */
export function hasTrained(run: Pick<RunSummary, 'status' | 'startedAt'>): boolean {
  return run.status !== 'starting' && run.startedAt !== null
}
