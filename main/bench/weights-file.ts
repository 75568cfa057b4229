import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DType, Graph, Value } from '../engine/ir'
import { encodeValues } from '../engine/onnx'
import { readSafetensorsHeader, weightSourceOf, writeSafetensors, type TensorToWrite } from '../runtime'
import { randomFloats } from './timing'

export interface RandomWeights {
  path: string
  /** Bytes of the tensors (the file less its header). */
  weightBytes: number
  /** Declares each tensor of the file as a frozen weight of `g`, read in place. */
  declare(g: Graph): Record<string, Value>
  remove(): void
}

export type BenchWeightDType = Extract<DType, 'float32' | 'float16' | 'bfloat16'>

/** Writes random weights (scaled by 1/√fan_in; 1-D tensors are ones) to a temp safetensors file. */
export function writeRandomWeights(shapes: Record<string, [number, number] | [number]>, dtype: BenchWeightDType = 'float32'): RandomWeights {
  const dir = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-'))
  const path = join(dir, 'model.safetensors')
  let seed = 1
  const tensors: TensorToWrite[] = Object.entries(shapes).map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1)
    const data = shape.length === 1 ? new Float32Array(n).fill(1) : randomFloats(n, Math.sqrt(3 / shape[shape.length - 1]), seed++)
    return { name, dtype, shape, data: dtype === 'float32' ? data : encodeValues(dtype, data) }
  })
  writeSafetensors(path, tensors)
  const file = readSafetensorsHeader(path)
  return {
    path,
    weightBytes: tensors.reduce((sum, t) => sum + t.data.byteLength, 0),
    declare: (g) => Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, g.weight(name, dtype, shape, weightSourceOf(file, name))])),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
