import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** sha256 of a file, streamed (constant memory); `onChunk` sees each chunk once it is hashed (an import counts lines with it). */
export async function hashFile(path: string, onChunk?: (chunk: Buffer) => void): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    onChunk?.(chunk)
  }
  return hash.digest('hex')
}

/** sha256 of a value's canonical JSON (object keys sorted), for cache keys. */
export function hashJson(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex')
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}
