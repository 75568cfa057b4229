// The merged export: a complete Hugging Face model folder whose weights have the adapter folded
// in, in the base model's own dtype and file layout. Each weight file is copied as is (same
// header, same offsets: folding changes values, never shapes or dtypes), then only the adapted
// tensors are rewritten in place, one at a time, so memory stays at one tensor whatever the size
// of the model. Config, tokenizer and other small files are copied; the base README.md is
// replaced by the export's model card, and weight formats we do not read (pickle) are left out.
import { copyFile, open, readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { floatToBFloat16Bits, floatToHalfBits } from '../engine/onnx'
import type { ModelFolderInfo } from '../models/folder'
import type { LocatedTensor } from '../models/checkpoint'
import type { WeightMapEntry } from '../engine/models/weight-map'
import { writeAll } from '../runtime/file-writes'
import { floatValues } from '../runtime/safetensors'
import type { FoldPlan } from './fold-plan'
import { foldBias, foldWeight } from './fold-weights'
import { ExportError } from './types'

/** Files a model folder may hold that are weights in formats the merged folder must not carry stale. */
const SKIPPED_FILE = /\.(bin|pt|pth|ckpt|h5|msgpack|gguf|onnx|onnx_data|safetensors)$|^README\.md$/i

export async function writeMergedModel(dir: string, plan: FoldPlan, base: ModelFolderInfo): Promise<void> {
  for (const file of base.weights.files) await copyFile(file.path, join(dir, basename(file.path)))
  if (base.weights.indexPath) await copyFile(base.weights.indexPath, join(dir, basename(base.weights.indexPath)))
  for (const entry of await readdir(base.dir, { withFileTypes: true })) {
    if (entry.isFile() && !SKIPPED_FILE.test(entry.name) && entry.name !== basename(base.weights.indexPath ?? '')) {
      await copyFile(join(base.dir, entry.name), join(dir, entry.name))
    }
  }
  for (const target of plan.targets) {
    const weight = located(base, target.weight)
    await rewriteTensor(dir, weight, (values) => foldWeight(target, values))
    if (target.kind === 'scale-outputs' && target.bias) {
      await rewriteTensor(dir, located(base, target.bias), (values) => foldBias(target, values) ?? values)
    }
  }
}

function located(base: ModelFolderInfo, entry: WeightMapEntry): LocatedTensor {
  const tensor = base.weights.tensors.get(entry.hfName)
  if (!tensor) throw new ExportError(`${base.dir}: tensor "${entry.hfName}" is missing from the base model's weights`)
  return tensor
}

/** Reads a tensor of the copied file, maps its float32 values, and writes them back in its dtype. */
async function rewriteTensor(dir: string, tensor: LocatedTensor, map: (values: Float32Array) => Float32Array): Promise<void> {
  const { entry, file } = tensor
  const path = join(dir, basename(file.path))
  const handle = await open(path, 'r+')
  try {
    const bytes = new Uint8Array(entry.length)
    const { bytesRead } = await handle.read(bytes, 0, entry.length, entry.offset)
    if (bytesRead !== entry.length) throw new ExportError(`${file.path}: tensor "${entry.name}": read ${bytesRead} of ${entry.length} bytes; the file changed while exporting`)
    const folded = map(decode(entry.dtype, bytes, `${file.path}: tensor "${entry.name}"`))
    const out = encode(entry.dtype, folded)
    // All of it: a short write taken as complete would leave the tensor half folded, half not.
    await writeAll(handle, out, entry.offset)
  } finally {
    await handle.close()
  }
}

function decode(dtype: string, bytes: Uint8Array, where: string): Float32Array {
  const values = floatValues(dtype, bytes)
  if (!values) throw new ExportError(`${where} is ${dtype}; merging needs F32, F16 or BF16 weights (quantized checkpoints cannot be merged into)`)
  return values
}

function encode(dtype: string, values: Float32Array): Uint8Array {
  switch (dtype) {
    case 'F32':
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    case 'F16':
      return new Uint8Array(Uint16Array.from(values, floatToHalfBits).buffer)
    case 'BF16':
      return new Uint8Array(Uint16Array.from(values, floatToBFloat16Bits).buffer)
    default:
      throw new Error(`internal: cannot encode ${dtype}`)
  }
}
