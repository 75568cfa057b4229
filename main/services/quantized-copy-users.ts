// Which starting or running run trains on what: a quantized copy, or a folder of the Hugging Face
// cache, that one uses is never deleted (a model's removal, the storage view's Delete), since the
// run may open it again for an eval or its export.
import { ModelConfig } from '../contract'
import { sameFolder, type QuantizedCopyEntry } from '../models/quantized/copies'
import type { Store } from '../store'

export type CopyUser = { id: string; name: string }

/** The starting and running runs, each with the model section of its configuration (what it trains on). */
export function activeRunModels(store: Store): { run: CopyUser; model: ModelConfig }[] {
  return store.runs.listActive().flatMap((run) => {
    const model = ModelConfig.safeParse((run.config as { model?: unknown } | null)?.model).data
    return model ? [{ run: { id: run.id, name: run.name }, model }] : []
  })
}

/** A function naming the active run a copy serves (its model folder and scheme), read from the store once. */
export function copyUsers(store: Store): (entry: QuantizedCopyEntry) => CopyUser | undefined {
  const active = activeRunModels(store).filter((a) => a.model.quantize !== 'none')
  return (entry) => {
    if (entry.model === null) return undefined
    return active.find((a) => a.model.quantize === entry.scheme && sameFolder(a.model.path, entry.model!))?.run
  }
}

/** Why a copy stays: "run "lr-3e-3" (4f2a…) is training on it". */
export function whyKeptFor(user: CopyUser): string {
  return `run "${user.name}" (${user.id}) is training on it`
}
