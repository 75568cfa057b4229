/** A parsed JSON row must be an object; anything else is explained. */
export function jsonRecordOrReason(value: unknown): Record<string, unknown> | string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
  return `expected a JSON object with named fields, got ${kind}`
}

/**
 * JSON.parse's message without the "(line 1 column 17)" Node 24's V8 appends: the text parsed is
 * one row, so its line 1 would sit beside the file's own line number and contradict it. What
 * remains ("Unterminated string in JSON at position 16") reads the same on Node 22 and 24.
 */
export function jsonParseProblem(error: unknown): string {
  return (error as Error).message.replace(/ \(line \d+ column \d+\)$/, '')
}
