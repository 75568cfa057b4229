// The files of a quantized copy (quantize-folder.ts writes them, copies.ts lists them):
// <dataDir>/quantized/<model>-<scheme>-<key>/ holds weights.bin (per tensor: q then float32 scales,
// each 64-byte aligned) and manifest.json.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

export const MANIFEST = 'manifest.json'
export const QUANTIZED_WEIGHTS_FILE = 'weights.bin'
/** Bumped when the file layout or the quantization rule changes: old copies are then not reused. */
export const FORMAT_VERSION = 2

const byteRange = z.object({ offset: z.number().int().min(0), length: z.number().int().min(0) }).strict()
export const manifestSchema = z
  .object({
    version: z.literal(FORMAT_VERSION),
    scheme: z.enum(['int8', 'int4']),
    model: z.string(),
    key: z.string(),
    bytes: z.number().int().min(0),
    tensors: z.record(z.string(), z.object({ rows: z.number().int(), cols: z.number().int(), bits: z.union([z.literal(4), z.literal(8)]), blockSize: z.number().int(), q: byteRange, scales: byteRange }).strict()),
    kept: z.array(z.object({ hfName: z.string(), why: z.string() }).strict()),
  })
  .strict()
export type QuantizedManifest = z.infer<typeof manifestSchema>

/** What every version's manifest has said of its copy: enough to tell whose copy an old one is. */
const identitySchema = z.object({ model: z.string(), scheme: z.enum(['int8', 'int4']), key: z.string() })

export type ManifestReading =
  | { kind: 'current'; manifest: QuantizedManifest; model: string; scheme: 'int4' | 'int8'; key: string }
  /** Another version's (or a damaged one that still names its model). */
  | { kind: 'other'; model: string; scheme: 'int4' | 'int8'; key: string; problem: string }
  | { kind: 'missing'; problem: string }

export function quantizedRoot(dataDir: string): string {
  return join(dataDir, 'quantized')
}

/** The manifest of the copy in `dir`, read as this version's when it is one. */
export function readCopyManifest(dir: string): ManifestReading {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'))
  } catch (error) {
    return { kind: 'missing', problem: `${MANIFEST} cannot be read: ${(error as Error).message}` }
  }
  const parsed = manifestSchema.safeParse(json)
  if (parsed.success) return { kind: 'current', manifest: parsed.data, model: parsed.data.model, scheme: parsed.data.scheme, key: parsed.data.key }
  const identity = identitySchema.safeParse(json)
  if (identity.success) return { kind: 'other', ...identity.data, problem: `${MANIFEST} is not one this version wrote` }
  return { kind: 'missing', problem: `${MANIFEST} is not one this version wrote` }
}

/** The manifest when the copy in `dir` is whole and made under `key`, else why not. */
export function checkCopy(dir: string, key: string): QuantizedManifest | string {
  const reading = readCopyManifest(dir)
  if (reading.kind !== 'current') return reading.problem
  const manifest = reading.manifest
  if (manifest.key !== key) return 'it was made from other weight files'
  const path = join(dir, QUANTIZED_WEIGHTS_FILE)
  const size = existsSync(path) ? statSync(path).size : -1
  const end = Math.max(0, ...Object.values(manifest.tensors).map((t) => t.scales.offset + t.scales.length))
  if (size < end) return `${QUANTIZED_WEIGHTS_FILE} holds ${Math.max(size, 0)} bytes, the manifest needs ${end}`
  return manifest
}
