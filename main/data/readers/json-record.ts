/** A parsed JSON row must be an object; anything else is explained. */
export function jsonRecordOrReason(value: unknown): Record<string, unknown> | string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
  return `expected a JSON object with named fields, got ${kind}`
}
