// Float64 reference forward pass of GPT-2, from transformers' modeling_gpt2 semantics:
//   x = wte(ids) + wpe(positions)
//   per layer: h = LayerNorm(x); [q|k|v] = h·c_attn (Conv1D: weight [in, out]);
//              scores/√head_dim (scale_attn_weights) [/(layer+1) if scale_attn_by_inverse_layer_idx], causal
//              x += c_proj(attn);  x += mlp.c_proj(act(mlp.c_fc(LayerNorm(x))))
//   logits = LayerNorm_f(x)·wteᵀ   (lm_head when untied)
import { attention } from './attention'
import { rowsOf, stackLogits, type Logits, type TokenBatch } from './batch'
import { activation, addInPlace, conv1d, embed, layerNorm, project, type ActivationName } from './math'
import type { ReferenceCheckpoint } from './tensors'

export function gpt2Logits(ckpt: ReferenceCheckpoint, batch: TokenBatch): Logits {
  const c = ckpt.config as Record<string, number | boolean | string | null | undefined>
  const d = Number(c.n_embd)
  const heads = Number(c.n_head)
  const headDim = d / heads
  const layers = Number(c.n_layer)
  const vocab = Number(c.vocab_size)
  const ff = c.n_inner == null ? 4 * d : Number(c.n_inner)
  const eps = c.layer_norm_epsilon == null ? 1e-5 : Number(c.layer_norm_epsilon)
  const act = activation((c.activation_function ?? 'gelu_new') as ActivationName)
  const tied = c.tie_word_embeddings !== false
  const scaleWeights = c.scale_attn_weights !== false
  const byLayer = c.scale_attn_by_inverse_layer_idx === true
  // GPT2LMHeadModel saves under "transformer."; the original "gpt2" upload has no prefix.
  const prefix = ckpt.has('transformer.wte.weight') ? 'transformer.' : ''
  const w = (name: string, shape?: number[]) => ckpt.get(prefix + name, shape)

  const rows = rowsOf(batch)
  const perRow = rows.map((row) => {
    const T = row.ids.length
    const x = embed(w('wte.weight', [vocab, d]), row.ids) // [T, d]
    addInPlace(x, embed(w('wpe.weight'), row.positions))
    for (let l = 0; l < layers; l++) {
      const p = `h.${l}`
      const h = layerNorm(x, d, w(`${p}.ln_1.weight`, [d]).data, w(`${p}.ln_1.bias`, [d]).data, eps)
      const qkv = conv1d(h, T, w(`${p}.attn.c_attn.weight`, [d, 3 * d]), w(`${p}.attn.c_attn.bias`, [3 * d])) // [T, 3d]
      const split = (part: number) => {
        const out = new Float64Array(T * d) // [T, heads·hd]
        for (let t = 0; t < T; t++) out.set(qkv.subarray(t * 3 * d + part * d, t * 3 * d + (part + 1) * d), t * d)
        return out
      }
      const attended = attention({
        q: split(0), k: split(1), v: split(2), queries: T, keys: T, heads, kvHeads: heads, headDim,
        scale: (scaleWeights ? 1 / Math.sqrt(headDim) : 1) / (byLayer ? l + 1 : 1),
        visible: (i, j) => row.real[j] && j <= i,
      })
      addInPlace(x, conv1d(attended, T, w(`${p}.attn.c_proj.weight`, [d, d]), w(`${p}.attn.c_proj.bias`, [d])))
      const h2 = layerNorm(x, d, w(`${p}.ln_2.weight`, [d]).data, w(`${p}.ln_2.bias`, [d]).data, eps)
      const hidden = conv1d(h2, T, w(`${p}.mlp.c_fc.weight`, [d, ff]), w(`${p}.mlp.c_fc.bias`, [ff])).map(act) // [T, ff]
      addInPlace(x, conv1d(hidden, T, w(`${p}.mlp.c_proj.weight`, [ff, d]), w(`${p}.mlp.c_proj.bias`, [d])))
    }
    const final = layerNorm(x, d, w('ln_f.weight', [d]).data, w('ln_f.bias', [d]).data, eps)
    return project(final, T, tied ? w('wte.weight') : ckpt.get('lm_head.weight', [vocab, d])) // [T, vocab]
  })
  return stackLogits(rows, perRow, vocab)
}
