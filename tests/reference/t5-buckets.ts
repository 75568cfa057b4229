// T5's relative position buckets (Mesh TensorFlow's scheme, as transformers computes it).
// relative = key position − query position. Bidirectional (encoder): half the buckets for keys
// after the query. Within a direction, distances below half the buckets get one bucket each;
// larger ones share logarithmically spaced buckets up to maxDistance, then the last bucket.
// transformers evaluates the logarithm in float32 and truncates; Math.fround reproduces that so a
// distance on a bucket boundary lands where it does in PyTorch.

export function relativePositionBucket(relative: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let buckets = numBuckets
  let offset = 0
  let distance: number
  if (bidirectional) {
    buckets = Math.floor(buckets / 2)
    if (relative > 0) offset = buckets
    distance = Math.abs(relative)
  } else {
    distance = Math.max(-relative, 0) // keys after the query (masked anyway) fall in bucket 0
  }
  const maxExact = Math.floor(buckets / 2)
  if (distance < maxExact) return offset + distance
  const f = Math.fround
  const logRatio = f(Math.log(f(distance / maxExact)))
  const logRange = f(Math.log(maxDistance / maxExact))
  const large = maxExact + Math.trunc(f(f(logRatio / logRange) * (buckets - maxExact)))
  return offset + Math.min(large, buckets - 1)
}
