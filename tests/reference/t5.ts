// Float64 reference forward pass of T5 (original and v1.1 / Flan-T5), from transformers'
// modeling_t5 semantics. No biases anywhere, no 1/√d scaling of attention scores, RMS-style
// "LayerNorm" without mean or bias.
//   encoder: x = shared(ids); per layer: x += SelfAttn(Norm(x)) with the relative position bias
//            of block 0 (bidirectional buckets) shared by all layers; x += FFN(Norm(x)); Norm_final
//   decoder: y = shared(decoder ids); per layer: y += causal SelfAttn(Norm(y)) with its own block-0
//            bias (unidirectional buckets); y += CrossAttn(Norm(y), encoder output), no position
//            bias; y += FFN(Norm(y)); Norm_final
//   FFN: wo(act(wi_0 h) ⊙ wi_1 h) when gated, wo(act(wi h)) otherwise
//   logits = lm_head(y), or shared(y·d_model^-0.5) when tied (the original T5)
import { attention } from './attention'
import { rowsOf, stackLogits, type Logits, type Row, type TokenBatch } from './batch'
import { activation, addInPlace, embed, linear, rmsNorm, type ActivationName } from './math'
import { relativePositionBucket } from './t5-buckets'
import type { F64Tensor, ReferenceCheckpoint } from './tensors'

export interface Seq2SeqBatch {
  /** Encoder input ids and padding. */
  encoder: TokenBatch
  /** Decoder input ids (starting with decoder_start_token_id) and padding. */
  decoder: TokenBatch
}

interface T5Shape {
  d: number
  heads: number
  dkv: number
  ff: number
  vocab: number
  encoderLayers: number
  decoderLayers: number
  buckets: number
  maxDistance: number
  eps: number
  gated: boolean
  act: (x: number) => number
  tied: boolean
}

function shapeOf(config: Record<string, unknown>): T5Shape {
  const c = config as Record<string, number | string | boolean | null | undefined>
  const ffProj = String(c.feed_forward_proj ?? 'relu')
  const gated = ffProj.startsWith('gated-')
  const actName = ffProj === 'gated-gelu' ? 'gelu_new' : ffProj.replace(/^gated-/, '')
  return {
    d: Number(c.d_model),
    heads: Number(c.num_heads),
    dkv: Number(c.d_kv),
    ff: Number(c.d_ff),
    vocab: Number(c.vocab_size),
    encoderLayers: Number(c.num_layers),
    decoderLayers: Number(c.num_decoder_layers ?? c.num_layers),
    buckets: Number(c.relative_attention_num_buckets ?? 32),
    maxDistance: Number(c.relative_attention_max_distance ?? 128),
    eps: Number(c.layer_norm_epsilon ?? 1e-6),
    gated,
    act: activation(actName as ActivationName),
    tied: c.tie_word_embeddings !== false,
  }
}

export function t5Logits(ckpt: ReferenceCheckpoint, batch: Seq2SeqBatch): Logits {
  const s = shapeOf(ckpt.config)
  const encoderRows = rowsOf(batch.encoder)
  const decoderRows = rowsOf(batch.decoder)
  if (encoderRows.length !== decoderRows.length) throw new Error('reference: encoder and decoder batches differ in size')
  const shared = ckpt.has('shared.weight') ? ckpt.get('shared.weight', [s.vocab, s.d]) : ckpt.get('encoder.embed_tokens.weight', [s.vocab, s.d])
  const perRow = encoderRows.map((encRow, b) => {
    const encoded = encode(ckpt, s, shared, encRow)
    return decode(ckpt, s, shared, decoderRows[b], encoded, encRow)
  })
  return stackLogits(decoderRows, perRow, s.vocab)
}

/** The encoder's final hidden states [B][T·d_model] (after its final norm), for checking the encoder alone. */
export function t5EncoderStates(ckpt: ReferenceCheckpoint, batch: TokenBatch): Float64Array[] {
  const s = shapeOf(ckpt.config)
  const shared = ckpt.has('shared.weight') ? ckpt.get('shared.weight', [s.vocab, s.d]) : ckpt.get('encoder.embed_tokens.weight', [s.vocab, s.d])
  return rowsOf(batch).map((row) => encode(ckpt, s, shared, row))
}

function encode(ckpt: ReferenceCheckpoint, s: T5Shape, shared: F64Tensor, row: Row): Float64Array {
  const T = row.ids.length
  const x = embed(shared, row.ids) // [T, d]
  const bias = positionBias(ckpt.get('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', [s.buckets, s.heads]), s, row, true)
  for (let l = 0; l < s.encoderLayers; l++) {
    const p = `encoder.block.${l}.layer`
    const h = rmsNorm(x, s.d, ckpt.get(`${p}.0.layer_norm.weight`, [s.d]).data, s.eps)
    addInPlace(x, attend(ckpt, s, `${p}.0.SelfAttention`, h, T, h, T, (i, j) => row.real[j], bias))
    addInPlace(x, feedForward(ckpt, s, `${p}.1`, x, T))
  }
  return rmsNorm(x, s.d, ckpt.get('encoder.final_layer_norm.weight', [s.d]).data, s.eps)
}

function decode(ckpt: ReferenceCheckpoint, s: T5Shape, shared: F64Tensor, row: Row, encoded: Float64Array, encRow: Row): Float64Array {
  const T = row.ids.length
  const S = encRow.ids.length
  const y = embed(shared, row.ids) // [T, d]
  const bias = positionBias(ckpt.get('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', [s.buckets, s.heads]), s, row, false)
  for (let l = 0; l < s.decoderLayers; l++) {
    const p = `decoder.block.${l}.layer`
    const h = rmsNorm(y, s.d, ckpt.get(`${p}.0.layer_norm.weight`, [s.d]).data, s.eps)
    addInPlace(y, attend(ckpt, s, `${p}.0.SelfAttention`, h, T, h, T, (i, j) => row.real[j] && j <= i, bias))
    const hc = rmsNorm(y, s.d, ckpt.get(`${p}.1.layer_norm.weight`, [s.d]).data, s.eps)
    addInPlace(y, attend(ckpt, s, `${p}.1.EncDecAttention`, hc, T, encoded, S, (_i, j) => encRow.real[j]))
    addInPlace(y, feedForward(ckpt, s, `${p}.2`, y, T))
  }
  const final = rmsNorm(y, s.d, ckpt.get('decoder.final_layer_norm.weight', [s.d]).data, s.eps)
  if (s.tied) return linear(final.map((v) => v * s.d ** -0.5), T, shared)
  return linear(final, T, ckpt.get('lm_head.weight', [s.vocab, s.d]))
}

/** bias(h, i, j) = table[bucket(position j − position i)][h]. */
function positionBias(table: F64Tensor, s: T5Shape, row: Row, bidirectional: boolean): (h: number, i: number, j: number) => number {
  return (h, i, j) => table.data[relativePositionBucket(row.positions[j] - row.positions[i], bidirectional, s.buckets, s.maxDistance) * s.heads + h]
}

function attend(
  ckpt: ReferenceCheckpoint, s: T5Shape, prefix: string,
  queriesFrom: Float64Array, queries: number, keysFrom: Float64Array, keys: number,
  visible: (i: number, j: number) => boolean, bias?: (h: number, i: number, j: number) => number,
): Float64Array {
  const inner = s.heads * s.dkv
  const q = linear(queriesFrom, queries, ckpt.get(`${prefix}.q.weight`, [inner, s.d])) // [Tq, heads·d_kv]
  const k = linear(keysFrom, keys, ckpt.get(`${prefix}.k.weight`, [inner, s.d])) // [Tk, heads·d_kv]
  const v = linear(keysFrom, keys, ckpt.get(`${prefix}.v.weight`, [inner, s.d]))
  const out = attention({ q, k, v, queries, keys, heads: s.heads, kvHeads: s.heads, headDim: s.dkv, scale: 1, visible, bias })
  return linear(out, queries, ckpt.get(`${prefix}.o.weight`, [s.d, inner])) // [Tq, d]
}

function feedForward(ckpt: ReferenceCheckpoint, s: T5Shape, prefix: string, x: Float64Array, T: number): Float64Array {
  const h = rmsNorm(x, s.d, ckpt.get(`${prefix}.layer_norm.weight`, [s.d]).data, s.eps)
  const w = (name: string, shape: number[]) => ckpt.get(`${prefix}.DenseReluDense.${name}.weight`, shape)
  let hidden: Float64Array // [T, d_ff]
  if (s.gated) {
    const gate = linear(h, T, w('wi_0', [s.ff, s.d]))
    const up = linear(h, T, w('wi_1', [s.ff, s.d]))
    hidden = gate.map((g, i) => s.act(g) * up[i])
  } else {
    hidden = linear(h, T, w('wi', [s.ff, s.d])).map(s.act)
  }
  return linear(hidden, T, w('wo', [s.d, s.ff]))
}
