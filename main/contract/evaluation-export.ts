// An evaluation's table as text: CSV (one line per cell, counts kept, for spreadsheets and for
// joining the tables of several evaluations by run id) and Markdown (the paper's table, to paste
// into a report). One module, so the CLI's files and the Evaluate page's downloads are the same.
import type { EvaluationCell, EvaluationColumn, EvaluationDetail } from './evaluations'

/** Accuracy in percent with one decimal: "62.5". */
export function percent(value: number): string {
  return (value * 100).toFixed(1)
}

/** A cell as the table shows it: "62.5 [47.0, 76.0]" (accuracy and its 95% Wilson interval, in percent). */
export function accuracyText(cell: EvaluationCell): string {
  return `${percent(cell.accuracy)} [${percent(cell.ci95[0])}, ${percent(cell.ci95[1])}]`
}

const CSV_HEADER = ['row', 'task', 'column', 'run_id', 'checkpoint', 'adapter', 'correct', 'examples', 'accuracy', 'ci95_low', 'ci95_high', 'winner']

/**
 * One line per (task, column) cell, then one per column's mean: `row` says which (task | mean).
 * Fractions to six decimals; an unscored cell leaves its counts and accuracy empty.
 */
export function evaluationCsv(detail: EvaluationDetail): string {
  const lines = [CSV_HEADER]
  for (const row of detail.rows) {
    for (const column of detail.columns) {
      const cell = row.cells[column.key] ?? null
      lines.push([
        'task', row.task, ...columnFields(column),
        cell ? String(cell.correct) : '', cell ? String(cell.examples) : '',
        cell ? fraction(cell.accuracy) : '', cell ? fraction(cell.ci95[0]) : '', cell ? fraction(cell.ci95[1]) : '',
        String(row.winners.includes(column.key)),
      ])
    }
  }
  for (const column of detail.columns) {
    const mean = detail.mean[column.key] ?? null
    lines.push(['mean', '', ...columnFields(column), '', '', mean === null ? '' : fraction(mean), '', '', String(detail.meanWinners.includes(column.key))])
  }
  return lines.map((fields) => fields.map(csvField).join(',')).join('\n') + '\n'
}

function columnFields(column: EvaluationColumn): string[] {
  return [column.label, column.runId ?? '', column.checkpoint ?? '', column.adapterLabel ?? '']
}

function fraction(value: number): string {
  return value.toFixed(6)
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * The paper's table: rows are tasks (with their number of examples), columns the base model and
 * each run, cells the accuracy and its interval in percent, each row's best in bold, then the mean.
 */
export function evaluationMarkdown(detail: EvaluationDetail): string {
  const header = ['Task', 'n', ...detail.columns.map((c) => markdownText(c.label))]
  const lines = [
    `## ${markdownText(detail.name)}`,
    '',
    `Model ${markdownText(detail.model.name)}. Accuracy (%) by rank classification${detail.lengthNormalize ? ' (length-normalized)' : ''}, with its 95% Wilson interval; **bold**: the best of each row.`,
    '',
    `| ${header.join(' | ')} |`,
    `| --- | ---: | ${detail.columns.map(() => '---:').join(' | ')} |`,
  ]
  for (const row of detail.rows) {
    const cells = detail.columns.map((column) => {
      const cell = row.cells[column.key] ?? null
      if (!cell) return '—'
      return row.winners.includes(column.key) ? `**${accuracyText(cell)}**` : accuracyText(cell)
    })
    lines.push(`| ${markdownText(row.task)} | ${examplesText(row.cells)} | ${cells.join(' | ')} |`)
  }
  const means = detail.columns.map((column) => {
    const mean = detail.mean[column.key] ?? null
    if (mean === null) return '—'
    return detail.meanWinners.includes(column.key) ? `**${percent(mean)}**` : percent(mean)
  })
  lines.push(`| Mean |  | ${means.join(' | ')} |`)
  return lines.join('\n') + '\n'
}

/** The row's number of examples: one number when every scored cell agrees, else each distinct one ("40 / 38"). */
export function examplesText(cells: Record<string, EvaluationCell | null>): string {
  const counts = [...new Set(Object.values(cells).flatMap((cell) => (cell ? [cell.examples] : [])))]
  return counts.length === 0 ? '—' : counts.join(' / ')
}

/** A pipe would end a Markdown table cell, a line break the row. */
function markdownText(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*[\r\n]+\s*/g, ' ')
}
