// A KV cache of fixed length per generation, written in place: the cached step graph takes the
// cache and the slot where this step's tokens go (cache_start), attends over the cache with the
// new keys/values written in, and returns only the new keys/values, which the caller copies into
// its cache buffers. A step therefore computes only its own tokens: n tokens cost n steps.
// (The cache length is a symbol, so one session serves every prompt and output length; writing by
// Gather + Where avoids a Concat along a symbolic axis, which the op set does not have.)
import { F, type Value } from '../ir'

/** past [batch, kv, cache, Dh] with fresh [batch, kv, step, Dh] written at slots cacheStart + [0, step). */
export function writeIntoCache(past: Value, fresh: Value, cacheStart: Value): Value {
  const cache = past.shape[2]
  const step = fresh.shape[2]
  const offset = F.sub(F.iota(past, cache), cacheStart) // [C]: slot − start
  const hit = F.equal(F.reshape(F.iota(fresh, step), [step, 1]), F.reshape(offset, [1, cache])) // [S, C]
  const written = F.greater(F.max(F.cast(hit, 'float32'), [0]), 0.5) // [C]: slot receives a new token
  const index = F.where(written, offset, 0) // [C]
  const gathered = F.gather(fresh, index, 2) // [B, KV, C, Dh]
  return F.where(F.reshape(written, [cache, 1]), gathered, past) // [B, KV, C, Dh]
}

/** Names of the cache tensors of one layer, for the graph and for the generator. */
export function cacheNames(layer: number): { pastKey: string; pastValue: string; presentKey: string; presentValue: string } {
  return { pastKey: `past.${layer}.key`, pastValue: `past.${layer}.value`, presentKey: `present.${layer}.key`, presentValue: `present.${layer}.value` }
}
