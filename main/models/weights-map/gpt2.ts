// HF tensor names of GPT-2 (GPT2LMHeadModel, or a bare GPT2Model save as in the original "gpt2"
// repository, which has no "transformer." prefix). Every projection is a Conv1D stored [in, out]:
// these are the weights that need transposing relative to nn.Linear.
//   transposed: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj
// The "attn.bias" / "attn.masked_bias" causal-mask buffers some checkpoints carry are not weights.
import type { Gpt2Spec } from '../../engine/models/spec'
import type { WeightMapEntry } from '../../engine/models/weight-map'
import { EntryList, resolvePrefix } from './entry-list'

export function gpt2WeightEntries(spec: Gpt2Spec, names: ReadonlySet<string>): WeightMapEntry[] {
  const p = resolvePrefix(names, 'wte.weight', ['transformer.', ''])
  const { hiddenSize: d, intermediateSize: ff, vocabSize } = spec
  const positions = spec.contextLength ?? 0
  const list = new EntryList()
  list.add('decoder', null, 'embed_tokens', 'weight', `${p}wte.weight`, [vocabSize, d], 'embedding')
  list.add('decoder', null, 'embed_positions', 'weight', `${p}wpe.weight`, [positions, d], 'embedding')
  for (let i = 0; i < spec.numLayers; i++) {
    const h = `${p}h.${i}.`
    list.add('decoder', i, 'attn_norm', 'weight', `${h}ln_1.weight`, [d], 'vector')
    list.add('decoder', i, 'attn_norm', 'bias', `${h}ln_1.bias`, [d], 'vector')
    list.add('decoder', i, 'qkv', 'weight', `${h}attn.c_attn.weight`, [d, 3 * d], 'conv1d') // [in, q|k|v]
    list.add('decoder', i, 'qkv', 'bias', `${h}attn.c_attn.bias`, [3 * d], 'vector')
    list.add('decoder', i, 'o', 'weight', `${h}attn.c_proj.weight`, [d, d], 'conv1d')
    list.add('decoder', i, 'o', 'bias', `${h}attn.c_proj.bias`, [d], 'vector')
    list.add('decoder', i, 'ffn_norm', 'weight', `${h}ln_2.weight`, [d], 'vector')
    list.add('decoder', i, 'ffn_norm', 'bias', `${h}ln_2.bias`, [d], 'vector')
    list.add('decoder', i, 'up', 'weight', `${h}mlp.c_fc.weight`, [d, ff], 'conv1d')
    list.add('decoder', i, 'up', 'bias', `${h}mlp.c_fc.bias`, [ff], 'vector')
    list.add('decoder', i, 'down', 'weight', `${h}mlp.c_proj.weight`, [ff, d], 'conv1d')
    list.add('decoder', i, 'down', 'bias', `${h}mlp.c_proj.bias`, [d], 'vector')
  }
  list.add('decoder', null, 'final_norm', 'weight', `${p}ln_f.weight`, [d], 'vector')
  list.add('decoder', null, 'final_norm', 'bias', `${p}ln_f.bias`, [d], 'vector')
  if (!spec.tieWordEmbeddings) list.add('decoder', null, 'lm_head', 'weight', 'lm_head.weight', [vocabSize, d], 'linear')
  return list.entries
}
