// HF tensor names of the Llama family (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,
// Qwen3ForCausalLM, Gemma3ForCausalLM). All projections are nn.Linear, [out, in]; nothing needs
// transposing. Gemma 3 norms each block four times, and its post_attention_layernorm is the norm of
// the attention output, where Llama's of that name is the norm before the FFN.
import type { LlamaFamilySpec } from '../../engine/models/spec'
import type { WeightMapEntry } from '../../engine/models/weight-map'
import { EntryList, resolvePrefix } from './entry-list'

export function llamaWeightEntries(spec: LlamaFamilySpec, names: ReadonlySet<string>): WeightMapEntry[] {
  // ForCausalLM checkpoints nest the decoder under "model."; a bare LlamaModel save does not.
  const p = resolvePrefix(names, 'embed_tokens.weight', ['model.', ''])
  const { hiddenSize: d, numHeads, numKvHeads, headDim, intermediateSize: ff, vocabSize } = spec
  const qWidth = numHeads * headDim // [heads·head_dim]
  const kvWidth = numKvHeads * headDim // [kv_heads·head_dim]
  const list = new EntryList()
  list.add('decoder', null, 'embed_tokens', 'weight', `${p}embed_tokens.weight`, [vocabSize, d], 'embedding')
  for (let i = 0; i < spec.numLayers; i++) {
    const l = `${p}layers.${i}.`
    list.add('decoder', i, 'attn_norm', 'weight', `${l}input_layernorm.weight`, [d], 'vector')
    list.add('decoder', i, 'q', 'weight', `${l}self_attn.q_proj.weight`, [qWidth, d], 'linear')
    list.add('decoder', i, 'k', 'weight', `${l}self_attn.k_proj.weight`, [kvWidth, d], 'linear')
    list.add('decoder', i, 'v', 'weight', `${l}self_attn.v_proj.weight`, [kvWidth, d], 'linear')
    if (spec.bias.qkv) {
      list.add('decoder', i, 'q', 'bias', `${l}self_attn.q_proj.bias`, [qWidth], 'vector')
      list.add('decoder', i, 'k', 'bias', `${l}self_attn.k_proj.bias`, [kvWidth], 'vector')
      list.add('decoder', i, 'v', 'bias', `${l}self_attn.v_proj.bias`, [kvWidth], 'vector')
    }
    if (spec.qkNorm) {
      list.add('decoder', i, 'q_norm', 'weight', `${l}self_attn.q_norm.weight`, [headDim], 'vector')
      list.add('decoder', i, 'k_norm', 'weight', `${l}self_attn.k_norm.weight`, [headDim], 'vector')
    }
    list.add('decoder', i, 'o', 'weight', `${l}self_attn.o_proj.weight`, [d, qWidth], 'linear')
    if (spec.bias.o) list.add('decoder', i, 'o', 'bias', `${l}self_attn.o_proj.bias`, [d], 'vector')
    if (spec.sandwichNorms) {
      list.add('decoder', i, 'attn_post_norm', 'weight', `${l}post_attention_layernorm.weight`, [d], 'vector')
      list.add('decoder', i, 'ffn_norm', 'weight', `${l}pre_feedforward_layernorm.weight`, [d], 'vector')
      list.add('decoder', i, 'ffn_post_norm', 'weight', `${l}post_feedforward_layernorm.weight`, [d], 'vector')
    } else {
      list.add('decoder', i, 'ffn_norm', 'weight', `${l}post_attention_layernorm.weight`, [d], 'vector')
    }
    list.add('decoder', i, 'gate', 'weight', `${l}mlp.gate_proj.weight`, [ff, d], 'linear')
    list.add('decoder', i, 'up', 'weight', `${l}mlp.up_proj.weight`, [ff, d], 'linear')
    list.add('decoder', i, 'down', 'weight', `${l}mlp.down_proj.weight`, [d, ff], 'linear')
    if (spec.bias.mlp) {
      list.add('decoder', i, 'gate', 'bias', `${l}mlp.gate_proj.bias`, [ff], 'vector')
      list.add('decoder', i, 'up', 'bias', `${l}mlp.up_proj.bias`, [ff], 'vector')
      list.add('decoder', i, 'down', 'bias', `${l}mlp.down_proj.bias`, [d], 'vector')
    }
  }
  list.add('decoder', null, 'final_norm', 'weight', `${p}norm.weight`, [d], 'vector')
  // Tied models reuse embed_tokens (a stray lm_head.weight in the file is ignored, as HF does).
  if (!spec.tieWordEmbeddings) list.add('decoder', null, 'lm_head', 'weight', 'lm_head.weight', [vocabSize, d], 'linear')
  return list.entries
}
