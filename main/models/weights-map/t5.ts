// HF tensor names of T5ForConditionalGeneration. Projections are nn.Linear, [out, in], without
// biases; attention is heads·d_kv wide, which need not equal d_model.
// Builder notes: the relative position bias lives in block 0 of each stack and is shared by all
// its layers (cross-attention has none); a tied head scales the decoder output by d_model^-0.5.
import type { T5Spec } from '../../engine/models/spec'
import type { Stack, WeightMapEntry } from '../../engine/models/weight-map'
import { EntryList } from './entry-list'

/** The shared embedding; some exports keep only the per-stack copies. */
const EMBEDDING_NAMES = ['shared.weight', 'encoder.embed_tokens.weight', 'decoder.embed_tokens.weight']

export function t5WeightEntries(spec: T5Spec, names: ReadonlySet<string>): WeightMapEntry[] {
  const { hiddenSize: d, intermediateSize: ff, vocabSize } = spec
  const inner = spec.numHeads * spec.headDim // [heads·d_kv]
  const list = new EntryList()
  // One matrix serves both stacks (and the head when tied).
  const embedding = EMBEDDING_NAMES.find((n) => names.has(n)) ?? EMBEDDING_NAMES[0]
  list.add('encoder', null, 'embed_tokens', 'weight', embedding, [vocabSize, d], 'embedding')
  list.add('decoder', null, 'embed_tokens', 'weight', embedding, [vocabSize, d], 'embedding')

  const attention = (stack: Stack, i: number, hf: string, prefix: '' | 'cross_') => {
    list.add(stack, i, `${prefix}q`, 'weight', `${hf}.q.weight`, [inner, d], 'linear')
    list.add(stack, i, `${prefix}k`, 'weight', `${hf}.k.weight`, [inner, d], 'linear')
    list.add(stack, i, `${prefix}v`, 'weight', `${hf}.v.weight`, [inner, d], 'linear')
    list.add(stack, i, `${prefix}o`, 'weight', `${hf}.o.weight`, [d, inner], 'linear')
  }
  const feedForward = (stack: Stack, i: number, hf: string) => {
    if (spec.gatedFfn) {
      list.add(stack, i, 'gate', 'weight', `${hf}.DenseReluDense.wi_0.weight`, [ff, d], 'linear')
      list.add(stack, i, 'up', 'weight', `${hf}.DenseReluDense.wi_1.weight`, [ff, d], 'linear')
    } else {
      list.add(stack, i, 'up', 'weight', `${hf}.DenseReluDense.wi.weight`, [ff, d], 'linear')
    }
    list.add(stack, i, 'down', 'weight', `${hf}.DenseReluDense.wo.weight`, [d, ff], 'linear')
    list.add(stack, i, 'ffn_norm', 'weight', `${hf}.layer_norm.weight`, [d], 'vector')
  }
  const relativeBias = (stack: Stack) =>
    list.add(stack, null, 'relative_attention_bias', 'weight', `${stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`, [spec.relativeAttention.numBuckets, spec.numHeads], 'embedding')

  relativeBias('encoder')
  for (let i = 0; i < spec.numLayers; i++) {
    const b = `encoder.block.${i}.layer`
    list.add('encoder', i, 'attn_norm', 'weight', `${b}.0.layer_norm.weight`, [d], 'vector')
    attention('encoder', i, `${b}.0.SelfAttention`, '')
    feedForward('encoder', i, `${b}.1`)
  }
  list.add('encoder', null, 'final_norm', 'weight', 'encoder.final_layer_norm.weight', [d], 'vector')

  relativeBias('decoder')
  for (let i = 0; i < spec.numDecoderLayers; i++) {
    const b = `decoder.block.${i}.layer`
    list.add('decoder', i, 'attn_norm', 'weight', `${b}.0.layer_norm.weight`, [d], 'vector')
    attention('decoder', i, `${b}.0.SelfAttention`, '')
    list.add('decoder', i, 'cross_attn_norm', 'weight', `${b}.1.layer_norm.weight`, [d], 'vector')
    attention('decoder', i, `${b}.1.EncDecAttention`, 'cross_')
    feedForward('decoder', i, `${b}.2`)
  }
  list.add('decoder', null, 'final_norm', 'weight', 'decoder.final_layer_norm.weight', [d], 'vector')
  if (!spec.tieWordEmbeddings) list.add('decoder', null, 'lm_head', 'weight', 'lm_head.weight', [vocabSize, d], 'linear')
  return list.entries
}
