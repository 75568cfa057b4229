// Whether a quantized copy is still one a run would read (contract QuantizedCopyStanding): the one
// rule behind the Models drawer's "not read by runs any more", the storage view and Delete unused.
// A run opens a copy only when it was made by this version from the model folder's weight files as
// they are now (quantize-folder.ts's key: their real paths, sizes and times), so that is what is
// compared, the model folder read as a run reads it.
import { existsSync } from 'node:fs'
import type { QuantizedCopyStanding } from '../../contract/storage'
import { inspectModelFolder } from '../folder'
import type { QuantizedCopyEntry } from './copies'
import { copyKeyOf } from './quantize-folder'

/**
 * A function telling each copy's standing. It reads each model folder once per scheme (a copy of a
 * 7B model is judged by a stat of its shards, not by reading 4 GB), so make one per listing.
 */
export function copyStandingJudge(): (entry: QuantizedCopyEntry) => QuantizedCopyStanding {
  const keys = new Map<string, string | null>()
  const keyNow = (model: string, scheme: string): string | null => {
    const id = `${scheme}\n${model}`
    if (!keys.has(id)) keys.set(id, readKey(model, scheme))
    return keys.get(id)!
  }
  return (entry) => {
    if (entry.state === 'writing' || entry.state === 'abandoned') return entry.state
    if (entry.state === 'outdated') return 'older-app'
    // A ready copy has a manifest, and so a model and a key.
    const now = keyNow(entry.model!, entry.scheme!)
    if (now === null) return 'model-gone'
    return now === entry.key ? 'current' : 'earlier-files'
  }
}

/** True for the standings no run will read again: what Delete unused removes. */
export function isUnusedStanding(standing: QuantizedCopyStanding): boolean {
  return standing !== 'current' && standing !== 'writing'
}

/** The key a copy made now would have, or null when the folder is gone or no model folder this app reads. */
function readKey(model: string, scheme: string): string | null {
  if (!existsSync(model)) return null
  try {
    return copyKeyOf(inspectModelFolder(model).weights.files.map((f) => f.path), scheme)
  } catch {
    return null // not a model folder any more (config.json or a weight file gone or unreadable)
  }
}
