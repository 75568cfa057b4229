// Scores a recorded evaluation: each column (the base model, or a run's adapter at its checkpoint)
// on each set, by rank classification. It runs in an `evaluate` job process for the app and web
// mode (minutes of onnxruntime would hold main's thread) and in the CLI's own process. Each cell
// is stored as soon as it is scored, so a crash or a Stop keeps what was finished.
import { z } from 'zod'
import { RunConfig } from '../contract/run-config'
import type { EvaluationColumn, EvaluationSet } from '../contract/evaluations'
import { WorkStopped, type WorkContext } from '../jobs/work-context'
import { EvalDataError } from '../models/eval/examples'
import type { MultipleChoiceQuestion } from '../models/eval/multiple-choice'
import { ChoiceScorers, rankQuestions, type QuestionResult } from '../models/eval/rank-classification'
import { loadInferenceAdapter, openBaseFor } from '../models/inference/adapter'
import { openModel, type OpenedModel } from '../models/inference/open-model'
import type { EvaluationRecord, Store } from '../store'
import { setQuestions } from './questions'

/** What main passes to the job. */
export const EvaluationRequest = z.object({ dataDir: z.string().min(1), evaluationId: z.string().min(1) })
export type EvaluationRequest = z.infer<typeof EvaluationRequest>

export const EvaluationResult = z.object({ evaluationId: z.string(), status: z.enum(['completed', 'failed', 'cancelled']) })
export type EvaluationResult = z.infer<typeof EvaluationResult>

/** Each cell's progress is reported in this many parts (a cell's questions are known only once its set is read). */
const PARTS_PER_CELL = 1000

/**
 * Scores every cell of the evaluation and records its end: completed, cancelled (a Stop; the
 * finished cells are kept) or failed with the reason. Only a failure of the store itself throws.
 */
export async function scoreEvaluation(evaluationId: string, store: Store, work: WorkContext): Promise<EvaluationResult> {
  const record = store.evaluations.get(evaluationId)
  if (!record) throw new Error(`there is no evaluation ${evaluationId} to score`)
  if (!store.evaluations.claim(evaluationId)) return { evaluationId, status: record.status === 'completed' ? 'completed' : 'failed' }
  try {
    await scoreCells(record, store, work)
    return finish(store, evaluationId, 'completed', null)
  } catch (error) {
    if (error instanceof WorkStopped) {
      const kept = store.evaluations.cells(evaluationId).length
      return finish(store, evaluationId, 'cancelled', `Stopped before it finished; ${kept === 1 ? 'the 1 cell scored by then is' : `the ${kept} cells scored by then are`} kept`)
    }
    return finish(store, evaluationId, 'failed', error instanceof Error ? error.message : String(error))
  }
}

function finish(store: Store, evaluationId: string, status: EvaluationResult['status'], error: string | null): EvaluationResult {
  store.evaluations.finishIfRunning(evaluationId, status, error)
  return { evaluationId, status }
}

async function scoreCells(record: EvaluationRecord, store: Store, work: WorkContext): Promise<void> {
  const { config } = record
  const total = config.columns.length * config.sets.length
  work.progress(0, total * PARTS_PER_CELL, `Loading ${config.model.name}`)
  const model = openModel(config.model.path)
  let cell = 0
  for (const column of config.columns) {
    const runConfig = column.kind === 'run' ? runConfigOf(column, store) : null
    // A column's adapter is scored on the base it was trained on (its quantized copy when it recorded one).
    const columnModel = column.adapter ? openBaseFor(config.model.path, column.adapter) : model
    const adapter = column.adapter ? loadInferenceAdapter(column.adapter, columnModel) : null
    // Every set as this column renders it, then one set of scoring sessions for all of them: a
    // session's graph takes seconds to build on a real model, once per column rather than per cell.
    const sets: { set: EvaluationSet; questions: MultipleChoiceQuestion[] }[] = []
    for (const set of config.sets) sets.push({ set, questions: (await questionsOf(set, columnModel, runConfig)).questions })
    const scorers = await ChoiceScorers.open(columnModel, sets.flatMap((s) => s.questions), { adapter })
    try {
      for (const { set, questions } of sets) {
        if (work.stopRequested()) throw new WorkStopped()
        const where = `${column.label} on ${set.name}`
        const { results } = await rankQuestions(scorers, questions, {
          lengthNormalize: config.lengthNormalize,
          onExample: (result) => {
            // Between questions: a Stop ends the cell here, unrecorded.
            if (work.stopRequested()) throw new WorkStopped()
            const part = Math.round(((result.index + 1) / questions.length) * PARTS_PER_CELL)
            work.progress(cell * PARTS_PER_CELL + part, total * PARTS_PER_CELL, `Scoring ${where}: question ${result.index + 1} of ${questions.length} (cell ${cell + 1} of ${total})`)
          },
        })
        refuseNonFinite(results, where)
        store.evaluations.putCell(record.id, { task: set.name, columnKey: column.key, correct: results.filter((r) => r.correct).length, examples: results.length })
        cell++
        work.progress(cell * PARTS_PER_CELL, total * PARTS_PER_CELL, `Scored ${where} (cell ${cell} of ${total})`)
      }
    } finally {
      await scorers.dispose()
    }
  }
}

async function questionsOf(set: EvaluationSet, model: OpenedModel, config: RunConfig | null) {
  try {
    const read = await setQuestions(set, model, config)
    if (read.questions.length === 0) throw new EvalDataError(`set "${set.name}" (${set.file}) has no question to score`)
    return read
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new EvalDataError(message.includes(set.file) ? message : `set "${set.name}" (${set.file}): ${message}`)
  }
}

/** The run's configuration as it trained (its template and mapping render the questions). */
function runConfigOf(column: EvaluationColumn, store: Store): RunConfig {
  const run = store.runs.get(column.runId!)
  if (!run) throw new Error(`run "${column.runName}" (${column.runId}) was deleted after the evaluation was created`)
  return RunConfig.parse(run.config)
}

/**
 * A choice whose NLL is not finite never wins a comparison, so the accuracy would quietly count
 * it as a wrong answer: the cell is refused instead, naming the first such question.
 */
function refuseNonFinite(results: readonly QuestionResult[], where: string): void {
  const bad = results.find((r) => r.choicesNll.some((n) => !Number.isFinite(n)))
  if (!bad) return
  throw new Error(
    `${where}: the question on line ${bad.line} has a choice with a non-finite NLL (${bad.choicesNll.join(', ')}), so there is no accuracy. ` +
      "The model's weights or the adapter's values overflow on this input; check them.",
  )
}
