import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { openSqlite } from './sqlite-native'
import type { Database } from 'better-sqlite3'
import { describeIntegrityProblems, integrityProblems } from './integrity'

// Copies of studio.db in <data folder>/backups, taken with VACUUM INTO (a consistent snapshot,
// compacted, readable while the app writes). Only a database that has just passed quick_check
// is copied, so a damaged file never pushes good backups out of the rotation.

/** Before a schema migration of a database holding data, and once a day when the store opens. */
export type BackupReason = 'daily' | 'pre-migration'

export interface BackupFile {
  /** `studio-YYYYMMDD-HHMMSS-<reason>.db`, the time in UTC. */
  name: string
  path: string
  reason: BackupReason
  createdAt: Date
  bytes: number
}

/** How many of each kind are kept: the newest ones; older ones are deleted after a new one is written. */
export const BACKUPS_KEPT: Readonly<Record<BackupReason, number>> = { daily: 5, 'pre-migration': 3 }
export const DAILY_BACKUP_INTERVAL_MS = 24 * 60 * 60 * 1000

const NAME_PATTERN = /^studio-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(daily|pre-migration)\.db$/
// A copy being written is `<name>.<pid>.tmp`; one left by a crash is removed once it is this old.
const TEMPORARY_PATTERN = /^studio-.*\.db\.\d+\.tmp$/
const STALE_TEMPORARY_MS = 60 * 60 * 1000

export function backupFileName(createdAt: Date, reason: BackupReason): string {
  return `studio-${utcStamp(createdAt)}-${reason}.db`
}

/** `YYYYMMDD-HHMMSS` in UTC, so that names sort by time across daylight-saving changes and time zones. */
export function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
}

export function parseBackupFileName(name: string): { createdAt: Date; reason: BackupReason } | null {
  const match = NAME_PATTERN.exec(name)
  if (!match) return null
  const [, year, month, day, hour, minute, second, reason] = match
  const createdAt = new Date(Date.UTC(+year, +month - 1, +day, +hour, +minute, +second))
  return Number.isNaN(createdAt.getTime()) ? null : { createdAt, reason: reason as BackupReason }
}

/** The backups in `dir`, newest first; none when the folder does not exist. Other files there are ignored. */
export function listBackups(dir: string): BackupFile[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const backups: BackupFile[] = []
  for (const name of names) {
    const parsed = parseBackupFileName(name)
    if (!parsed) continue
    const path = join(dir, name)
    const stats = statOrNull(path)
    if (stats?.isFile()) backups.push({ name, path, ...parsed, bytes: stats.size })
  }
  return backups.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.name.localeCompare(a.name))
}

export function isDailyBackupDue(backups: readonly BackupFile[], now: Date): boolean {
  const newest = backups[0]
  return !newest || now.getTime() - newest.createdAt.getTime() >= DAILY_BACKUP_INTERVAL_MS
}

/**
 * Copies the database `source` is connected to (read-only is enough) into `dir`. The copy is
 * written under a temporary name, checked with quick_check, and only then given its name, so
 * a full disk or a crash never leaves a half backup that looks whole.
 */
export function writeBackup(source: Database, dir: string, reason: BackupReason, now: Date): BackupFile {
  mkdirSync(dir, { recursive: true })
  const name = backupFileName(now, reason)
  const path = join(dir, name)
  const temporary = `${path}.${process.pid}.tmp`
  try {
    rmSync(temporary, { force: true })
    source.prepare('VACUUM INTO ?').run(temporary)
    const problems = checkFile(temporary)
    if (problems.length > 0) throw new Error(`the copy failed its check: ${describeIntegrityProblems(problems)}`)
    renameSync(temporary, path)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
  return { name, path, reason, createdAt: parseBackupFileName(name)!.createdAt, bytes: statSync(path).size }
}

/** quick_check of a database file, opened read-only (restore checks a backup this way too). */
export function checkFile(path: string): string[] {
  const db = openSqlite(path, { readonly: true, fileMustExist: true })
  try {
    return integrityProblems(db)
  } finally {
    db.close()
  }
}

/**
 * Deletes the backups beyond the newest `keep[reason]` of each kind, and copies a crash left
 * half-written. Returns the names deleted. Another process pruning at the same time is harmless.
 */
export function pruneBackups(dir: string, now: Date, keep: Readonly<Record<BackupReason, number>> = BACKUPS_KEPT): string[] {
  const removed: string[] = []
  const seen: Record<BackupReason, number> = { daily: 0, 'pre-migration': 0 }
  for (const backup of listBackups(dir)) {
    seen[backup.reason] += 1
    if (seen[backup.reason] <= keep[backup.reason]) continue
    rmSync(backup.path, { force: true })
    removed.push(backup.name)
  }
  for (const name of readdirSync(dir)) {
    if (!TEMPORARY_PATTERN.test(name)) continue
    const stats = statOrNull(join(dir, name))
    if (stats && now.getTime() - stats.mtimeMs > STALE_TEMPORARY_MS) {
      rmSync(join(dir, name), { force: true })
      removed.push(name)
    }
  }
  return removed
}

function statOrNull(path: string) {
  try {
    return statSync(path)
  } catch {
    return null
  }
}
