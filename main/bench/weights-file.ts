import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Graph, Value } from '../engine/ir'
import { readSafetensorsHeader, weightSourceOf, writeSafetensors, type TensorToWrite } from '../runtime'
import { randomFloats } from './timing'

export interface RandomWeights {
  path: string
  /** Declares each tensor of the file as a frozen weight of `g`, read in place. */
  declare(g: Graph): Record<string, Value>
  remove(): void
}

/** Writes float32 random weights (scaled by 1/√fan_in) to a temp safetensors file. */
export function writeRandomWeights(shapes: Record<string, [number, number] | [number]>): RandomWeights {
  const dir = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-'))
  const path = join(dir, 'model.safetensors')
  let seed = 1
  const tensors: TensorToWrite[] = Object.entries(shapes).map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1)
    const data = shape.length === 1 ? new Float32Array(n).fill(1) : randomFloats(n, Math.sqrt(3 / shape[shape.length - 1]), seed++)
    return { name, dtype: 'float32', shape, data }
  })
  writeSafetensors(path, tensors)
  const file = readSafetensorsHeader(path)
  return {
    path,
    declare: (g) => Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, g.weight(name, 'float32', shape, weightSourceOf(file, name))])),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
