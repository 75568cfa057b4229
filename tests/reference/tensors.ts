// The reference's own view of a model folder: config.json as plain JSON and every weight as a
// float64 array, decoded from F32/F16/BF16. Deliberately does not use main/models; it only borrows
// the safetensors header reader from main/runtime.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readSafetensorsHeader, readTensorBytes, type SafetensorsFile } from '../../main/runtime/safetensors'
import { bfloat16BitsToNumber, float16BitsToNumber } from './decode'

export interface F64Tensor {
  shape: number[]
  data: Float64Array
}

export interface ReferenceCheckpoint {
  config: Record<string, unknown>
  has(name: string): boolean
  /** The tensor, checked to have `shape` when one is given. */
  get(name: string, shape?: readonly number[]): F64Tensor
}

export function loadCheckpoint(dir: string): ReferenceCheckpoint {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf-8')) as Record<string, unknown>
  const fileOf = new Map<string, SafetensorsFile>()
  if (existsSync(join(dir, 'model.safetensors'))) {
    const file = readSafetensorsHeader(join(dir, 'model.safetensors'))
    for (const name of file.tensors.keys()) fileOf.set(name, file)
  } else {
    const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf-8')) as { weight_map: Record<string, string> }
    const shards = new Map<string, SafetensorsFile>()
    for (const [name, shard] of Object.entries(index.weight_map)) {
      if (!shards.has(shard)) shards.set(shard, readSafetensorsHeader(join(dir, shard)))
      fileOf.set(name, shards.get(shard)!)
    }
  }
  const cache = new Map<string, F64Tensor>()
  return {
    config,
    has: (name) => fileOf.has(name),
    get(name, shape) {
      let t = cache.get(name)
      if (!t) {
        const file = fileOf.get(name)
        if (!file) throw new Error(`reference: checkpoint in ${dir} has no tensor "${name}"`)
        t = decodeTensor(file, name)
        cache.set(name, t)
      }
      if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t!.shape[i]))) {
        throw new Error(`reference: tensor "${name}" is [${t.shape}], expected [${shape}]`)
      }
      return t
    },
  }
}

function decodeTensor(file: SafetensorsFile, name: string): F64Tensor {
  const entry = file.tensors.get(name)!
  const bytes = readTensorBytes(file, name)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n = entry.shape.reduce((a, b) => a * b, 1)
  const data = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    switch (entry.dtype) {
      case 'F32':
        data[i] = view.getFloat32(4 * i, true)
        break
      case 'F16':
        data[i] = float16BitsToNumber(view.getUint16(2 * i, true))
        break
      case 'BF16':
        data[i] = bfloat16BitsToNumber(view.getUint16(2 * i, true))
        break
      default:
        throw new Error(`reference: tensor "${name}" has dtype ${entry.dtype}; the reference reads F32, F16 and BF16`)
    }
  }
  return { shape: [...entry.shape], data }
}
