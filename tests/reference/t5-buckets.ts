// T5's relative position buckets, written from the description, not from the engine: Raffel et
// al. 2020 (T5), section 2.1, and Mesh TensorFlow's _relative_position_bucket docstring.
//
// - The relative position is the key's position minus the query's.
// - Bidirectional (the encoder): half the buckets are for keys before the query, half for keys
//   after it. Unidirectional (the decoder's self-attention): every bucket is for keys before it,
//   and a key after the query (masked anyway) shares the bucket of distance 0.
// - Within a direction, half its buckets are exact: distance d < exact has bucket d.
// - The other half are logarithmic up to maxDistance: log bucket j starts where
//   d / exact = (maxDistance / exact)^(j / logBuckets), so each spans the same ratio of
//   distances, and the last one also holds every distance from maxDistance on.
//
// Here the bucket is found by walking the log buckets' start distances (float64) instead of
// taking the logarithm of the distance as Mesh TensorFlow does, so the two are checked against
// each other rather than against a copy (tests/unit/models/t5-buckets.test.ts).

export function relativePositionBucket(relative: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  const perDirection = bidirectional ? Math.floor(numBuckets / 2) : numBuckets
  const firstBucket = bidirectional && relative > 0 ? perDirection : 0
  const distance = bidirectional ? Math.abs(relative) : Math.max(0, -relative)

  const exact = Math.floor(perDirection / 2)
  if (distance < exact) return firstBucket + distance

  const logBuckets = perDirection - exact
  let logBucket = 0
  for (let j = 1; j < logBuckets; j++) {
    const startsAt = exact * Math.pow(maxDistance / exact, j / logBuckets)
    if (distance >= startsAt) logBucket = j
  }
  return firstBucket + exact + logBucket
}
