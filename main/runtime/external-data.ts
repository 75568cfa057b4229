// Where ORT may read frozen weights from. Checked on onnxruntime-node 1.30 (Linux):
// - external-data `location` must be relative: absolute paths are refused
//   ("Absolute path not allowed for external data location");
// - the path is canonicalised (symlinks resolved) and must stay inside the model's folder,
//   so '..' and symlinks out of it are refused ("External data path escapes model directory");
//   a Hugging Face cache folder, whose *.safetensors are symlinks into ../../blobs, is refused too;
// - the Node binding's `externalData` option wants the bytes in memory (a second copy).
// So the model is loaded from bytes (nothing written to disk) with the session config entry
// `session.model_external_initializers_file_folder_path` set to the deepest folder holding the
// *real* paths of all weight files, and each location is the real path relative to that folder.
import { realpathSync } from 'node:fs'
import { dirname, relative, sep } from 'node:path'
import type { Graph } from '../engine/ir'

export interface ExternalDataPlan {
  /** Folder that every location is relative to; null when the graph reads no weight file. */
  folder: string | null
  /** Weight file path as the graph names it -> location written into the model. */
  locations: Map<string, string>
}

export function planExternalData(graph: Graph): ExternalDataPlan {
  const files = new Set<string>()
  for (const w of graph.weights) if (w.origin.kind === 'weight' && w.origin.source.kind === 'file') files.add(w.origin.source.path)
  if (files.size === 0) return { folder: null, locations: new Map() }
  const real = new Map([...files].map((f) => [f, realpathOrThrow(f)]))
  const folder = commonFolder([...real.values()].map((p) => dirname(p)))
  const locations = new Map([...real].map(([f, r]) => [f, relative(folder, r).split(sep).join('/')]))
  return { folder, locations }
}

function realpathOrThrow(path: string): string {
  try {
    return realpathSync(path)
  } catch (e) {
    throw new Error(`weight file ${path} cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the model folder`)
  }
}

function commonFolder(folders: string[]): string {
  let common = folders[0].split(sep)
  for (const f of folders.slice(1)) {
    const parts = f.split(sep)
    let i = 0
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++
    common = common.slice(0, i)
  }
  return common.join(sep) || sep
}
