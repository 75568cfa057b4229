// Token batches as the graphs take them: int64 [batch, seq] tensors.
import { LABEL_POSITIONS, labelPositionsOf } from '../../engine/models/label-rows'
import { hostTensor, type HostTensor } from '../../runtime'

/** Rows of equal length -> int64 [rows, length]. */
export function int64Matrix(rows: readonly (readonly number[])[], what = 'batch'): HostTensor<'int64'> {
  const length = rows[0]?.length ?? 0
  const data = new BigInt64Array(rows.length * length)
  rows.forEach((row, b) => {
    if (row.length !== length) throw new Error(`${what}: row ${b} has ${row.length} entries, row 0 has ${length}`)
    row.forEach((v, t) => (data[b * length + t] = BigInt(v)))
  })
  return hostTensor('int64', [rows.length, length], data)
}

/** All-ones mask rows for ids. */
export function onesLike(rows: readonly (readonly number[])[]): number[][] {
  return rows.map((r) => r.map(() => 1))
}

/**
 * The label_positions feed of a graph that runs the head at the labelled tokens only, from the
 * batch's int64 label_mask; `length`: a static graph's (StaticBatchShape.labeled).
 */
export function labelPositionsFeed(labelMask: HostTensor, length?: number): Record<string, HostTensor<'int64'>> {
  const positions = labelPositionsOf(labelMask.data as BigInt64Array, length)
  return { [LABEL_POSITIONS]: hostTensor('int64', [positions.length], positions) }
}

export function int64Vector(values: readonly number[]): HostTensor<'int64'> {
  return hostTensor('int64', [values.length], BigInt64Array.from(values, (v) => BigInt(v)))
}
