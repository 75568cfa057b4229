// T5's relative position buckets (Mesh TensorFlow's scheme, as transformers computes it), and the
// per-head bias they index. Buckets depend on the distance only, and every distance past
// max_distance lands in the last bucket of its direction, so the bucket of each relative position
// in [−max_distance, max_distance] is computed here once and the graph looks it up.
import { F, type Value } from '../ir'

/**
 * relative = key position − query position. Bidirectional (encoder): half the buckets for keys
 * after the query. Small distances get a bucket each; larger ones share logarithmically spaced
 * buckets. transformers takes the logarithm in float32 and truncates: Math.fround does the same.
 */
export function relativePositionBucket(relative: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let buckets = numBuckets
  let offset = 0
  let distance: number
  if (bidirectional) {
    buckets = Math.floor(buckets / 2)
    if (relative > 0) offset = buckets
    distance = Math.abs(relative)
  } else {
    distance = Math.max(-relative, 0)
  }
  const maxExact = Math.floor(buckets / 2)
  if (distance < maxExact) return offset + distance
  const f = Math.fround
  const logRatio = f(Math.log(f(distance / maxExact)))
  const logRange = f(Math.log(maxDistance / maxExact))
  const large = maxExact + Math.trunc(f(f(logRatio / logRange) * (buckets - maxExact)))
  return offset + Math.min(large, buckets - 1)
}

export interface RelativeBiasOptions {
  bidirectional: boolean
  numBuckets: number
  maxDistance: number
}

/**
 * Additive bias [batch, heads, Tq, Tk] = table[bucket(keyPos − queryPos)] for a [buckets, heads]
 * table, from int64 positions [batch, Tq] and [batch, Tk].
 */
export function relativePositionBias(table: Value, queryPositions: Value, keyPositions: Value, o: RelativeBiasOptions): Value {
  const g = table.graph
  const m = o.maxDistance
  const buckets = Array.from({ length: 2 * m + 1 }, (_, i) => relativePositionBucket(i - m, o.bidirectional, o.numBuckets, m))
  // int32 and float32 throughout (positions are exact in float32 below 2^24): ORT's WebGPU
  // provider has no int64 arithmetic, and a GPU session may not leave it to the CPU.
  const bucketOf = g.constant(buckets, 'int32', [2 * m + 1])
  const [batch, queries] = queryPositions.shape
  const keys = keyPositions.shape[1]
  const asFloat = (v: Value) => F.cast(v, 'float32')
  const relative = F.sub(F.reshape(asFloat(keyPositions), [batch, 1, keys]), F.reshape(asFloat(queryPositions), [batch, queries, 1])) // [B, Tq, Tk]
  const clamped = F.maximum(F.minimum(relative, m), -m) // same bucket as the true distance
  const bucket = F.gather(bucketOf, F.cast(F.add(clamped, m), 'int32'), 0) // [B, Tq, Tk] int32
  const perHead = F.cast(F.gather(table, bucket, 0), 'float32') // [B, Tq, Tk, H]
  return F.transpose(perHead, [0, 3, 1, 2]) // [B, H, Tq, Tk]
}
