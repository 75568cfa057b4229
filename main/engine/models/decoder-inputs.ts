// The inputs of a decoder stack and what follows from them, in both build modes: token ids,
// positions, the self-attention visibility bias, and (cached mode) where keys/values come from.
import { F, type Graph, type Value } from '../ir'
import { cacheNames, writeIntoCache } from './kv-cache'
import { positionsFromMask, visibilityBias, type Visibility } from './masks'
import type { BuildMode } from './types'

export interface DecoderInputOptions {
  mode: BuildMode
  layers: number
  kvHeads: number
  headDim: number
  /** The sliding window (Mistral, Gemma 3), or null. */
  window: number | null
  /** Which layers the window applies to (Gemma 3); null or absent: every layer. */
  windowLayers?: readonly boolean[] | null
  /** Key positions are needed beyond the window (T5's relative position bias). */
  needKeyPositions?: boolean
  /** forward-mode input names and sequence symbol (T5's decoder: decoder_input_ids, decoder_attention_mask, tgt). */
  forwardNames?: { ids: string; mask: string; seq: string }
  /**
   * forward mode: rows hold several examples end to end (training with data.packing). The mask
   * holds segment ids (0 pad, 1, 2 ... per example) and an extra input position_ids gives each
   * token's position inside its example; attention stays inside each example.
   */
  packed?: boolean
  /** cached mode: every row continues one past, fed once as past.{l}.* [1, kv, cache, Dh]. */
  sharedPast?: boolean
}

export interface DecoderInputs {
  mode: BuildMode
  /** int64 [batch, T]: the tokens this graph computes (T = seq, or step in cached mode). */
  ids: Value
  /** int64 [batch, T] */
  queryPositions: Value
  /** int64 [batch, K] (K = seq, or cache): positions of the keys attended to. */
  keyPositions: Value | null
  /** [batch, T] real/pad for adapter statistics; forward mode only. */
  tokenMask: Value | undefined
  /** float32 [batch, 1, T, K]: causal, padding and window visibility (the window only when it applies to every layer). */
  bias: Value
  /** The visibility bias of one layer: `bias`, or with the window on the layers windowLayers names. */
  layerBias(layer: number): Value
  /** The keys/values a layer's queries attend to, given that layer's fresh ones [batch, kv, T, Dh]. */
  keysValues(layer: number, key: Value, value: Value): { key: Value; value: Value }
  /** Cached mode: the fresh keys/values per layer, declared as graph outputs. */
  present: { key: Value; value: Value }[]
}

export function declareDecoderInputs(g: Graph, o: DecoderInputOptions): DecoderInputs {
  if (o.packed && o.mode !== 'forward') throw new Error('packed rows are for forward graphs (training and eval), not cached generation steps')
  return o.mode === 'forward' ? (o.packed ? packedInputs(g, o) : forwardInputs(g, o)) : cachedInputs(g, o)
}

function forwardInputs(g: Graph, o: DecoderInputOptions): DecoderInputs {
  const names = o.forwardNames ?? { ids: 'input_ids', mask: 'attention_mask', seq: 'seq' }
  const ids = g.input(names.ids, 'int64', ['batch', names.seq])
  const mask = g.input(names.mask, 'int64', ['batch', names.seq])
  const positions = positionsFromMask(mask) // [B, T]
  const slots = F.iota(mask, names.seq) // [T]
  const biases = layerBiases(o, { keyMask: mask, causal: { querySlots: slots, keySlots: slots } }, positions, positions)
  return {
    mode: 'forward', ids, queryPositions: positions, keyPositions: positions, tokenMask: mask, ...biases,
    keysValues: (_layer, key, value) => ({ key, value }),
    present: [],
  }
}

/**
 * Packed rows: the same visibility as separate rows, plus "same segment": a token sees only the
 * earlier tokens of its own example, and its position restarts at 0 with each example, so every
 * example's logits are those it has alone in a row (tests/unit/engine/packed-rows.test.ts).
 */
function packedInputs(g: Graph, o: DecoderInputOptions): DecoderInputs {
  const ids = g.input('input_ids', 'int64', ['batch', 'seq'])
  const segments = g.input('attention_mask', 'int64', ['batch', 'seq'])
  const positions = g.input('position_ids', 'int64', ['batch', 'seq'])
  const real = F.cast(F.greater(F.cast(segments, 'float32'), 0.5), 'float32') // [B, T]: 1 real, 0 pad
  const slots = F.iota(segments, 'seq') // [T]
  const biases = layerBiases(o, { keyMask: real, causal: { querySlots: slots, keySlots: slots }, segments }, positions, positions)
  return {
    mode: 'forward', ids, queryPositions: positions, keyPositions: positions, tokenMask: real, ...biases,
    keysValues: (_layer, key, value) => ({ key, value }),
    present: [],
  }
}

function cachedInputs(g: Graph, o: DecoderInputOptions): DecoderInputs {
  const ids = g.input('input_ids', 'int64', ['batch', 'step'])
  const positions = g.input('position_ids', 'int64', ['batch', 'step'])
  const mask = g.input('attention_mask', 'int64', ['batch', 'cache'])
  const cacheStart = g.input('cache_start', 'int64', [1])
  const keyPositions = o.window !== null || o.needKeyPositions ? g.input('cache_positions', 'int64', ['batch', 'cache']) : null
  const biases = layerBiases(o, { keyMask: mask, causal: { querySlots: F.add(F.iota(ids, 'step'), cacheStart), keySlots: F.iota(mask, 'cache') } }, positions, keyPositions)
  const past = Array.from({ length: o.layers }, (_, l) => {
    const n = cacheNames(l)
    const shape = [o.sharedPast ? 1 : 'batch', o.kvHeads, 'cache', o.headDim]
    return { key: g.input(n.pastKey, 'float32', shape), value: g.input(n.pastValue, 'float32', shape) }
  })
  const present: { key: Value; value: Value }[] = []
  return {
    mode: 'cached', ids, queryPositions: positions, keyPositions, tokenMask: undefined, ...biases, present,
    keysValues(layer, key, value) {
      const freshKey = F.cast(key, 'float32')
      const freshValue = F.cast(value, 'float32')
      present[layer] = { key: freshKey, value: freshValue }
      const n = cacheNames(layer)
      g.output(n.presentKey, freshKey)
      g.output(n.presentValue, freshValue)
      return { key: writeIntoCache(past[layer].key, freshKey, cacheStart), value: writeIntoCache(past[layer].value, freshValue, cacheStart) }
    },
  }
}

/**
 * The visibility bias without the window, and with it where it applies: one bias for every layer
 * when the window is absent or applies to all, two (full and windowed) when only some layers slide.
 */
function layerBiases(o: DecoderInputOptions, visibility: Omit<Visibility, 'window'>, queryPositions: Value, keyPositions: Value | null): Pick<DecoderInputs, 'bias' | 'layerBias'> {
  if (o.window === null || o.windowLayers?.every((slides) => !slides)) {
    const bias = visibilityBias(visibility)
    return { bias, layerBias: () => bias }
  }
  if (!keyPositions) throw new Error('a sliding window needs the key positions')
  const windowed = visibilityBias({ ...visibility, window: { size: o.window, queryPositions, keyPositions } })
  const layers = o.windowLayers ?? null
  if (layers === null || layers.every(Boolean)) return { bias: windowed, layerBias: () => windowed }
  if (layers.length !== o.layers) throw new Error(`windowLayers names ${layers.length} layers, the stack has ${o.layers}`)
  const full = visibilityBias(visibility)
  return { bias: full, layerBias: (layer) => (layers[layer] ? windowed : full) }
}
