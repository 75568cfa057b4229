import { mkdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, win32 } from 'node:path'
import { StoreLocationError } from './errors'

export interface DataDirEnvironment {
  env: Record<string, string | undefined>
  platform: NodeJS.Platform
  home: string
}

/**
 * Where the studio keeps its database and run folders: `MIXTURE_STUDIO_HOME` when set,
 * else the platform's per-user application-data folder. The CLI, web mode and the Electron
 * app all use this, so they share one store.
 */
export function resolveDataDir({ env, platform, home }: DataDirEnvironment): string {
  const override = env.MIXTURE_STUDIO_HOME?.trim()
  if (override) return override
  switch (platform) {
    case 'win32':
      return win32.join(env.APPDATA ?? win32.join(home, 'AppData', 'Roaming'), 'Mixture Studio')
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Mixture Studio')
    default:
      return join(env.XDG_DATA_HOME?.trim() || join(home, '.local', 'share'), 'mixture-studio')
  }
}

export function defaultDataDir(): string {
  return resolveDataDir({ env: process.env, platform: process.platform, home: homedir() })
}

export function databasePath(dataDir: string): string {
  return join(dataDir, 'studio.db')
}

/** Each run's folder, `runs/<run id>/`: its configuration, checkpoints and adapter (see train/run-training.ts). */
export function runsDir(dataDir: string): string {
  return join(dataDir, 'runs')
}

/** Copies of studio.db, made before each migration and once a day (see ./backups.ts). */
export function backupsDir(dataDir: string): string {
  return join(dataDir, 'backups')
}

/**
 * Creates the data folder if needed. A file where the folder (or a folder above it) should be
 * is reported by name, with what to do, instead of mkdir's EEXIST or ENOTDIR.
 */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      const file = nearestExistingPath(dataDir)
      const where = file === dataDir ? `The data folder ${dataDir} is a file` : `The data folder ${dataDir} cannot be made: ${file} is a file`
      throw new StoreLocationError(
        dataDir,
        `${where}, not a folder. Mixture Studio keeps its database and run folders there: set MIXTURE_STUDIO_HOME ` +
          `to a folder (or leave it unset for the default), or move that file away.`,
      )
    }
    throw new StoreLocationError(dataDir, `The data folder ${dataDir} cannot be created: ${(error as Error).message}. Set MIXTURE_STUDIO_HOME to a folder you can write to.`)
  }
}

function nearestExistingPath(path: string): string {
  for (let current = path; ; current = dirname(current)) {
    try {
      statSync(current)
      return current
    } catch {
      if (dirname(current) === current) return current
    }
  }
}
