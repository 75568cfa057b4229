// An evaluation as its page and exports read it: counts from the store become accuracies with
// their 95% Wilson interval here, at read time, so nothing is rounded before it is shown.
import type { EvaluationCell, EvaluationDetail, EvaluationRow, EvaluationSummary } from '../contract/evaluations'
import { wilsonInterval } from '../models/eval/wilson'
import type { EvaluationCellCounts, EvaluationRecord } from '../store'

export function evaluationSummary(record: EvaluationRecord, cellsDone: number): EvaluationSummary {
  const { config } = record
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    error: record.error,
    createdAt: record.createdAt,
    finishedAt: record.finishedAt,
    model: config.model,
    columns: config.columns,
    tasks: config.sets.map((s) => s.name),
    lengthNormalize: config.lengthNormalize,
    cellsDone,
    cellsTotal: config.columns.length * config.sets.length,
  }
}

export function cellOf(counts: Pick<EvaluationCellCounts, 'correct' | 'examples'>): EvaluationCell {
  return { correct: counts.correct, examples: counts.examples, accuracy: counts.correct / counts.examples, ci95: wilsonInterval(counts.correct, counts.examples) }
}

/** The table: a row per task in the order picked, each row's winners, and each column's mean once it has every task. */
export function evaluationDetail(record: EvaluationRecord, counts: readonly EvaluationCellCounts[]): EvaluationDetail {
  const { config } = record
  const byCell = new Map(counts.map((c) => [cellKey(c.task, c.columnKey), c]))
  const rows: EvaluationRow[] = config.sets.map(({ name }) => {
    const cells: Record<string, EvaluationCell | null> = {}
    for (const column of config.columns) {
      const found = byCell.get(cellKey(name, column.key))
      // A set with no question left after rendering has no accuracy to show.
      cells[column.key] = found && found.examples > 0 ? cellOf(found) : null
    }
    return { task: name, cells, winners: bestKeys(Object.entries(cells).map(([key, cell]) => [key, cell?.accuracy ?? null])) }
  })
  const mean: Record<string, number | null> = {}
  for (const column of config.columns) {
    const accuracies = rows.map((row) => row.cells[column.key]?.accuracy ?? null)
    // A mean over fewer tasks than the others' would not compare with them.
    mean[column.key] = accuracies.every((a) => a !== null) ? accuracies.reduce((sum, a) => sum + a!, 0) / accuracies.length : null
  }
  return {
    ...evaluationSummary(record, counts.length),
    sets: config.sets,
    rows,
    mean,
    meanWinners: bestKeys(Object.entries(mean)),
  }
}

/**
 * The keys with the highest value (several on a tie for it). A winner needs a rival it beats: with
 * fewer than two values, or all of them equal, nobody won the row.
 */
export function bestKeys(values: readonly [string, number | null][]): string[] {
  const scored = values.filter((entry): entry is [string, number] => entry[1] !== null)
  const best = Math.max(...scored.map(([, value]) => value))
  const winners = scored.filter(([, value]) => value === best).map(([key]) => key)
  return winners.length === scored.length ? [] : winners
}

function cellKey(task: string, columnKey: string): string {
  return JSON.stringify([task, columnKey])
}
