// Which starting or running run trains on a quantized copy: such a copy is never deleted (a model's
// removal, the storage view's Delete), since the run may open it again for an eval or its export.
import { ModelConfig } from '../contract'
import { sameFolder, type QuantizedCopyEntry } from '../models/quantized/copies'
import type { Store } from '../store'

export type CopyUser = { id: string; name: string }

/** A function naming the active run a copy serves (its model folder and scheme), read from the store once. */
export function copyUsers(store: Store): (entry: QuantizedCopyEntry) => CopyUser | undefined {
  const active = store.runs.listActive().flatMap((run) => {
    const model = ModelConfig.safeParse((run.config as { model?: unknown } | null)?.model).data
    return model && model.quantize !== 'none' ? [{ user: { id: run.id, name: run.name }, path: model.path, scheme: model.quantize }] : []
  })
  return (entry) => {
    if (entry.model === null) return undefined
    return active.find((a) => a.scheme === entry.scheme && sameFolder(a.path, entry.model!))?.user
  }
}

/** Why a copy stays: "run "lr-3e-3" (4f2a…) is training on it". */
export function whyKeptFor(user: CopyUser): string {
  return `run "${user.name}" (${user.id}) is training on it`
}
