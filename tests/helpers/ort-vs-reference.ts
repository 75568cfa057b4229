// Runs one graph through onnxruntime (float32 graph, CPU) and through the float64 reference
import type { EmitTarget } from '../../main/engine/onnx'
// interpreter, and measures how far apart every output is.
import type { DType, Graph } from '../../main/engine/ir'
import { ndarray, runReference, type NdArray } from '../../main/engine/reference'
import { seededUniform } from '../../main/engine/random'
import { createGraphSession, readSafetensorsHeader, readTensorBytes, type HostTensor } from '../../main/runtime'

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so failures reproduce. */
export const rng: (seed: number) => () => number = seededUniform

/** Uniform values in [lo, hi), rounded to float32 so both sides see the same numbers. */
export function uniform(random: () => number, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * random())
}

export function f32(shape: number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'float32', shape, data: Float32Array.from(data) }
}
export function i64(shape: number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'int64', shape, data: BigInt64Array.from(Array.from(data), (v) => BigInt(v)) }
}

export function toNdArray(t: HostTensor): NdArray {
  const values = t.dtype === 'int64' ? Array.from(t.data as BigInt64Array, Number) : Array.from(t.data as ArrayLike<number>)
  return ndarray(t.dtype as DType, t.shape, values)
}

export function hostToNumbers(t: HostTensor): number[] {
  return t.dtype === 'int64' ? Array.from(t.data as BigInt64Array, Number) : Array.from(t.data as ArrayLike<number>)
}

export interface OutputComparison {
  name: string
  shape: readonly number[]
  referenceShape: readonly number[]
  dtype: string
  maxAbsError: number
  /** max |reference| (at least 1), the scale errors are judged against. */
  scale: number
}

/** The reference reads file-backed weights through main/runtime's safetensors reader. */
export function readWeightBytes(source: { path: string; offset: number; length: number }): Uint8Array {
  const file = readSafetensorsHeader(source.path)
  for (const entry of file.tensors.values()) {
    if (entry.offset === source.offset && entry.length === source.length) return readTensorBytes(file, entry.name)
  }
  throw new Error(`no tensor at offset ${source.offset} in ${source.path}`)
}

/** Runs `graph` on ORT's CPU provider (emitted for `emitTarget`, default cpu) and on the reference interpreter. */
export async function compareWithReference(graph: Graph, feedSets: Record<string, HostTensor>[], emitTarget: EmitTarget = 'cpu'): Promise<OutputComparison[][]> {
  const session = await createGraphSession(graph, { device: 'cpu', threads: 1, emitTarget })
  try {
    const results: OutputComparison[][] = []
    for (const feeds of feedSets) {
      const ort = await session.run(feeds)
      const reference = runReference(graph, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toNdArray(v)])), { readWeightBytes })
      results.push(
        graph.outputs.map(({ name }) => {
          const got = hostToNumbers(ort[name])
          const want = reference[name]
          let maxAbsError = 0
          let scale = 1
          want.data.forEach((w, i) => {
            scale = Math.max(scale, Math.abs(w))
            const err = Math.abs(got[i] - w)
            maxAbsError = Math.max(maxAbsError, Number.isNaN(err) ? Infinity : err)
          })
          if (got.length !== want.data.length) maxAbsError = Infinity
          return { name, shape: ort[name].shape, referenceShape: want.shape, dtype: ort[name].dtype, maxAbsError, scale }
        }),
      )
    }
    return results
  } finally {
    await session.dispose()
  }
}
