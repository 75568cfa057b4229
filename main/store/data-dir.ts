import { homedir } from 'node:os'
import { join, win32 } from 'node:path'

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
