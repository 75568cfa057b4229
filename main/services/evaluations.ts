// The Evaluate page's use cases: create an evaluation (checked and recorded here, scored by an
// `evaluate` job process, or in the CLI's own process), list, show and delete saved ones, and each
// run's accuracies for Compare.
import { randomUUID } from 'node:crypto'
import { ApiCallError, type CallOutput, type CallParsedInput, type RunAccuracy } from '../contract'
import { resolveEvaluation } from '../evaluations/prepare'
import { EvaluationRequest, scoreEvaluation } from '../evaluations/score'
import { cellOf, evaluationDetail, evaluationSummary } from '../evaluations/table'
import type { JobRunner } from '../jobs'
import { unwatchedWork } from '../jobs/work-context'
import type { EvaluationRecord, Store } from '../store'

/** The metric a run's during-training evaluation writes per set (main/train): accuracy.<set name>. */
const TRAINING_ACCURACY_PREFIX = 'accuracy.'

/** Checks and records an evaluation (running, owned by this process until its job claims it). */
export function recordEvaluation(input: CallParsedInput<'evaluationsCreate'>, store: Store, dataDir: string): EvaluationRecord {
  const { name, config } = resolveEvaluation(input, store, dataDir)
  return store.evaluations.create({ id: randomUUID(), name, config })
}

export function createEvaluationHandlers(store: Store, dataDir: string, jobs: JobRunner, inThisProcess: boolean) {
  function mustGet(id: string): EvaluationRecord {
    const record = store.evaluations.get(id)
    if (!record) throw new ApiCallError('not_found', `There is no evaluation ${id}; \`mixture-studio evaluations\` lists them`)
    return record
  }

  const summary = (record: EvaluationRecord) => evaluationSummary(record, store.evaluations.cells(record.id).length)

  /** The job's end as the evaluation's, where the job could not say it (it died, or was killed before its first question). */
  async function watch(jobId: string, evaluationId: string): Promise<void> {
    const ended = await jobs.waitForEnd(jobId)
    if (ended.state === 'completed') return
    const why = ended.state === 'cancelled' ? 'Stopped before it finished' : `The evaluation job ended before it finished (${ended.error ?? 'no reason given'})`
    try {
      store.evaluations.finishIfRunning(evaluationId, ended.state === 'cancelled' ? 'cancelled' : 'failed', `${why}; the cells it scored are kept`)
    } catch {
      // The store closed first (the studio is shutting down): start-up recovery marks it instead.
    }
  }

  return {
    async evaluationsCreate(input: CallParsedInput<'evaluationsCreate'>): Promise<CallOutput<'evaluationsCreate'>> {
      const record = recordEvaluation(input, store, dataDir)
      if (inThisProcess) {
        await scoreEvaluation(record.id, store, unwatchedWork)
        return { evaluation: summary(mustGet(record.id)), jobId: null }
      }
      const request: EvaluationRequest = { dataDir, evaluationId: record.id }
      let jobId: string
      try {
        jobId = jobs.start('evaluate', [JSON.stringify(request)]).id
      } catch (error) {
        store.evaluations.finishIfRunning(record.id, 'failed', `Its job did not start: ${error instanceof Error ? error.message : String(error)}`)
        throw error
      }
      void watch(jobId, record.id)
      return { evaluation: summary(record), jobId }
    },

    async evaluationsList({ runId }: CallParsedInput<'evaluationsList'>): Promise<CallOutput<'evaluationsList'>> {
      const counts = store.evaluations.cellCounts()
      return store.evaluations
        .list()
        .filter((record) => runId === undefined || record.config.columns.some((c) => c.runId === runId))
        .map((record) => evaluationSummary(record, counts.get(record.id) ?? 0))
    },

    async evaluationsShow({ id }: CallParsedInput<'evaluationsShow'>): Promise<CallOutput<'evaluationsShow'>> {
      const record = mustGet(id)
      return evaluationDetail(record, store.evaluations.cells(id))
    },

    async evaluationsDelete({ id }: CallParsedInput<'evaluationsDelete'>): Promise<CallOutput<'evaluationsDelete'>> {
      const record = mustGet(id)
      const before = summary(record)
      if (!store.evaluations.deleteUnlessRunning(id)) throw new ApiCallError('conflict', `Evaluation "${record.name}" is still scoring: stop it first, then delete it`)
      return before
    },

    async runsAccuracies({ runIds }: CallParsedInput<'runsAccuracies'>): Promise<CallOutput<'runsAccuracies'>> {
      const evaluations = store.evaluations.list() // newest first
      const accuracies: RunAccuracy[] = []
      for (const runId of runIds) {
        accuracies.push(...fromEvaluations(runId, evaluations, store))
        accuracies.push(...fromTraining(runId, store))
      }
      return { tasks: [...new Set(accuracies.map((a) => a.task))], accuracies }
    },
  }
}

/**
 * The run's accuracy per task from the newest evaluation that scored it on that task (its best
 * checkpoint's column before its last one, when an evaluation has both).
 */
function fromEvaluations(runId: string, newestFirst: readonly EvaluationRecord[], store: Store): RunAccuracy[] {
  const found = new Map<string, RunAccuracy>()
  for (const record of newestFirst) {
    const columns = record.config.columns.filter((c) => c.runId === runId).sort((a, b) => (a.checkpoint === 'best' ? -1 : b.checkpoint === 'best' ? 1 : 0))
    if (columns.length === 0) continue
    const cells = store.evaluations.cells(record.id)
    for (const column of columns) {
      for (const cell of cells) {
        if (cell.columnKey !== column.key || cell.examples === 0 || found.has(cell.task)) continue
        const { accuracy, ci95, examples } = cellOf(cell)
        found.set(cell.task, {
          runId, task: cell.task, source: 'evaluation', accuracy, ci95, examples, evaluationId: record.id,
          from: `evaluation "${record.name}", ${column.adapterLabel ?? column.checkpoint}`,
        })
      }
    }
  }
  return [...found.values()]
}

/** The final value of each of the run's during-training accuracy.<set> metrics, by set name. */
function fromTraining(runId: string, store: Store): RunAccuracy[] {
  return Object.entries(store.metrics.latest(runId))
    .filter(([name]) => name.startsWith(TRAINING_ACCURACY_PREFIX))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, point]) => ({
      runId, task: name.slice(TRAINING_ACCURACY_PREFIX.length), source: 'training' as const, accuracy: point.value, ci95: null, examples: null, evaluationId: null,
      from: `during training, step ${point.step}`,
    }))
}
