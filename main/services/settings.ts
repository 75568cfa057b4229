import { copyFileSync, mkdirSync, statSync } from 'node:fs'
import { ApiCallError, type CallOutput, type CallParsedInput } from '../contract'
import { readSettingsFile, settingsFilePath, settingsFolderProblem, settingsState, writeSettingsFile } from './settings-file'

/** settingsGet / settingsSet over `<dataDir>/settings.json`. */
export function createSettingsHandlers(dataDir: string) {
  const file = settingsFilePath(dataDir)

  return {
    async settingsGet(): Promise<CallOutput<'settingsGet'>> {
      return settingsState(dataDir, readSettingsFile(file))
    },
    async settingsSet(patch: CallParsedInput<'settingsSet'>): Promise<CallOutput<'settingsSet'>> {
      // Renaming the new file over a folder would fail with EISDIR deep in the write.
      if (isFolder(file)) throw new ApiCallError('conflict', `Settings were not saved: ${settingsFolderProblem(file)}.`)
      const stored = readSettingsFile(file)
      // A file that could not be read at all is kept aside rather than silently lost.
      if (stored.problem && Object.keys(stored.raw).length === 0) copyFileSync(file, `${file}.damaged`)
      // Keys a newer version wrote stay; values this version could not read are replaced.
      const next = { ...stored.raw, ...stored.settings, ...definedFields(patch) }
      mkdirSync(dataDir, { recursive: true })
      writeSettingsFile(file, next)
      return settingsState(dataDir, readSettingsFile(file))
    },
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function definedFields(patch: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
}
