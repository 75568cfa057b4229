// Dataset repos for the local Hub: files written from a layout ({ path: bytes }) and served as
// datasets/ORG/NAME. The repo routes (info, tree, resolve with the LFS redirect) answer datasets
// as models; this adds what a dataset's info carries: its card's `configs` (cardData), gating.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { HubServer, LocalHubRepo } from './hub-server'

export interface DatasetRepoOptions {
  /** The dataset card's `configs` (config_name, data_files), as the Hub gives them in cardData. */
  configs?: unknown[]
  gated?: false | 'auto' | 'manual'
  acceptedTokens?: string[]
}

let counter = 0

/** Serves `files` (path in the repo → content) as dataset `id`. */
export async function addDatasetRepo(hub: HubServer, id: string, files: Record<string, string | Uint8Array>, options: DatasetRepoOptions = {}): Promise<LocalHubRepo> {
  const dir = join(hub.scratch, `dataset-${counter++}`)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return hub.addRepo({
    kind: 'dataset',
    id,
    dir,
    gated: options.gated ?? false,
    acceptedTokens: options.acceptedTokens,
    info: { cardData: options.configs ? { configs: options.configs } : {}, tags: [] },
  })
}

/** Bytes that differ from file to file (`seed`), `size` long: stand-ins for parquet or JSONL data. */
export function dataBytes(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size)
  let state = seed * 2654435761 + 1
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0
    bytes[i] = state >>> 24
  }
  return bytes
}
