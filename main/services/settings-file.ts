import { existsSync, readFileSync, statSync } from 'node:fs'
import { writeFileAtomicSync } from '../runtime/file-writes'
import { join } from 'node:path'
import { Settings, type SettingsState } from '../contract'

// Preferences live in a small JSON file beside the database rather than in SQLite: a damaged
// or hand-edited preferences file must never stop the run store from opening, a person can
// read, edit or delete it, and it needs no schema migration (whose numbering several parts
// of the app share).

export function settingsFilePath(dataDir: string): string {
  return join(dataDir, 'settings.json')
}

type SettingKey = keyof Settings
const settingKeys = Object.keys(Settings.shape) as SettingKey[]

interface StoredSettings {
  settings: Settings
  /** Everything the file holds, including keys a newer version wrote: kept when saving. */
  raw: Record<string, unknown>
  problem: string | null
}

/**
 * Reads the settings file. A missing file is all defaults; a damaged one, or a field with a
 * value this version does not know, gives the default for what cannot be used and a problem
 * that says which file and field, so the user can fix it or simply save over it.
 */
export function readSettingsFile(file: string): StoredSettings {
  const defaults = Settings.parse({})
  if (!existsSync(file)) return { settings: defaults, raw: {}, problem: null }
  if (statSync(file).isDirectory()) return { settings: defaults, raw: {}, problem: settingsFolderProblem(file) }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    return {
      settings: defaults,
      raw: {},
      problem: `${file} is not valid JSON (${(error as Error).message}); the defaults are in effect until you change a setting, which replaces the file (the damaged one is kept as settings.json.damaged)`,
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { settings: defaults, raw: {}, problem: `${file} does not hold a JSON object; the defaults are in effect until you change a setting` }
  }
  const record = raw as Record<string, unknown>
  const settings: Record<string, unknown> = { ...defaults }
  const problems: string[] = []
  for (const key of settingKeys) {
    if (!(key in record)) continue
    const field = Settings.shape[key].safeParse(record[key])
    if (field.success) settings[key] = field.data
    else problems.push(`"${key}": ${JSON.stringify(record[key])} is not ${expectedValue(key)}`)
  }
  return {
    settings: settings as Settings,
    raw: record,
    problem: problems.length ? `${file}: ${problems.join('; ')} (the default is used instead)` : null,
  }
}

/** settings.json is a folder (made by hand, or by a tool that mistook it): it cannot be read or saved over. */
export function settingsFolderProblem(file: string): string {
  return `${file} is a folder, not a file: the defaults are in effect, and settings cannot be saved until you move or remove that folder`
}

/** What a setting may hold, for the problem message: an enum's values, true or false, or a number's range. */
function expectedValue(key: SettingKey): string {
  const field = Settings.shape[key].unwrap()
  if ('options' in field) return `one of ${field.options.join(', ')}`
  if (field.type === 'boolean') return 'true or false'
  return `a number from ${field.minValue} to ${field.maxValue}`
}

/**
 * Writes the settings to a temporary file and renames it over the old one, so a crash
 * mid-write leaves the previous settings, never half a file.
 */
export function writeSettingsFile(file: string, content: Record<string, unknown>): void {
  writeFileAtomicSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 })
}

export function settingsState(dataDir: string, stored: StoredSettings): SettingsState {
  return { settings: stored.settings, dataDir, file: settingsFilePath(dataDir), problem: stored.problem }
}
