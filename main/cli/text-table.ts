// Rows as aligned columns, two spaces apart: every CLI table (runs, models, datasets, backups, storage).

/** The rows' lines, each column padded to its widest cell, the last cell of a row never padded. */
export function textTableLines(rows: readonly (readonly string[])[], indent = ''): string[] {
  const columns = Math.max(0, ...rows.map((row) => row.length))
  const widths = Array.from({ length: columns }, (_, column) => Math.max(0, ...rows.map((row) => (row[column] ?? '').length)))
  return rows.map((row) => `${indent}${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}`.trimEnd())
}

/** The same lines joined, with a final line break. */
export function textTable(rows: readonly (readonly string[])[], indent = ''): string {
  return `${textTableLines(rows, indent).join('\n')}\n`
}
