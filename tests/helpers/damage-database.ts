// Real damage to a real studio.db: the tests that check it is found write enough runs that the
// file has many table pages, then overwrite one 4 KiB page near the middle, as a disk or a
// stray write would.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs'
import type { Store } from '../../main/store'

const LEAF_TABLE_PAGE = 0x0d
const INTERIOR_TABLE_PAGE = 0x05

/** Records `count` runs with a config of about 2 KB each: roughly one 4 KiB page per two runs. */
export function fillWithRuns(store: Store, count: number, namePrefix = 'run'): string[] {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const config = { note: `${namePrefix} ${i} `.repeat(120), lr: 0.001 * (i + 1) }
    ids.push(store.runs.create({ name: `${namePrefix}-${i}`, config, method: 'mov' }).id)
  }
  return ids
}

/**
 * Overwrites with noise the table b-tree page nearest the middle of the database at `path` (a
 * page that holds rows, not an index or a free page, so the damage is to data) and returns its
 * number. The file must be closed, its WAL checkpointed (a store closes so).
 */
export function overwriteTablePageNearMiddle(path: string): { page: number; offset: number; pageSize: number } {
  const bytes = readFileSync(path)
  const pageSize = bytes.readUInt16BE(16) === 1 ? 65_536 : bytes.readUInt16BE(16)
  const pages = bytes.length / pageSize
  const middle = Math.floor(pages / 2)
  // Pages 1 (the schema) and its neighbours aside, search outwards from the middle.
  for (let distance = 0; distance < pages; distance++) {
    for (const page of [middle - distance, middle + distance]) {
      if (page < 3 || page > pages) continue
      const offset = (page - 1) * pageSize
      const type = bytes[offset]
      if (type !== LEAF_TABLE_PAGE && type !== INTERIOR_TABLE_PAGE) continue
      const noise = Buffer.alloc(pageSize)
      for (let i = 0; i < pageSize; i++) noise[i] = (i * 131 + 17) % 251
      const fd = openSync(path, 'r+')
      try {
        writeSync(fd, noise, 0, pageSize, offset)
      } finally {
        closeSync(fd)
      }
      return { page, offset, pageSize }
    }
  }
  throw new Error(`${path} has no table page to damage (${pages} pages): write more rows first`)
}
