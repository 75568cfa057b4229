import { linkSync, rmSync } from 'node:fs'
import { openSqlite } from './sqlite-native'
import type { Database } from 'better-sqlite3'

/**
 * Whether another connection (another process: the app, `serve`, a training run) has the
 * database at `path` open; null when this cannot be told.
 *
 * A connection to a WAL database holds a shared lock on the file for as long as it is open, so
 * an exclusive lock is refused while any other exists. The lock is tried through a hard link to
 * the file: locks belong to the file, but SQLite looks for the WAL beside the name it is given
 * and finds none beside the link, so on close it has nothing to copy into the file. The file is
 * only read, which matters because it is usually the damaged one.
 */
export function isDatabaseInUse(path: string): boolean | null {
  const link = `${path}.in-use-check-${process.pid}`
  try {
    rmSync(link, { force: true })
    linkSync(path, link)
  } catch {
    // A file system without hard links (some network and FAT drives): no way to ask.
    return null
  }
  let db: Database | undefined
  try {
    db = openSqlite(link, { fileMustExist: true, timeout: 0 })
    // Set before the first read: in WAL mode the connection then locks the whole file exclusively.
    db.pragma('locking_mode = EXCLUSIVE')
    db.prepare('SELECT count(*) FROM sqlite_master').get()
    db.exec('BEGIN EXCLUSIVE')
    db.exec('ROLLBACK')
    return false
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true
    // A header SQLite cannot read at all: the lock was never tried.
    return null
  } finally {
    db?.close()
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${link}${suffix}`, { force: true })
  }
}
