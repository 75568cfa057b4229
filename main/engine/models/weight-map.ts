// What a model builder asks for ("decoder layer 3, query projection weight") and where the
// checkpoint keeps it ("model.layers.3.self_attn.q_proj.weight", [512, 512]). The engine's
// builders read weights through this map; main/models/weights-map builds one per architecture
// from a checkpoint's names.

/** Which stack a weight belongs to: decoder-only models have one, T5 has an encoder and a decoder. */
export type Stack = 'decoder' | 'encoder'

/**
 * The job a tensor does. Attention parts prefixed `cross_` are T5's decoder→encoder attention.
 * FFN: `gate` is the activated branch (Llama gate_proj, T5 wi_0), `up` the linear branch or the
 * only input projection (Llama up_proj, T5 wi_1 / wi, GPT-2 c_fc), `down` the output projection.
 */
export type WeightPart =
  | 'embed_tokens'
  | 'embed_positions'
  | 'final_norm'
  | 'lm_head'
  | 'attn_norm'
  | 'q'
  | 'k'
  | 'v'
  /** GPT-2's fused projection: output columns [q | k | v], each hidden_size wide. */
  | 'qkv'
  | 'o'
  /** Gemma 3: the norm of the attention output, before its residual add. */
  | 'attn_post_norm'
  | 'q_norm'
  | 'k_norm'
  /** T5: [num_buckets, heads], stored in block 0 and shared by every layer of its stack. */
  | 'relative_attention_bias'
  | 'cross_attn_norm'
  | 'cross_q'
  | 'cross_k'
  | 'cross_v'
  | 'cross_o'
  | 'ffn_norm'
  /** Gemma 3: the norm of the FFN output, before its residual add. */
  | 'ffn_post_norm'
  | 'gate'
  | 'up'
  | 'down'

export interface WeightRole {
  stack: Stack
  /** null for weights outside the layers (embeddings, final norm, head, T5's shared position bias). */
  layer: number | null
  part: WeightPart
  param: 'weight' | 'bias'
}

/**
 * How the tensor is laid out:
 * - `linear`: torch.nn.Linear, [out, in]; y = x·Wᵀ (+ b).
 * - `conv1d`: GPT-2's Conv1D, [in, out]; y = x·W (+ b). These are the transposed ones.
 * - `embedding`: [rows, dim] looked up by index (tokens, positions, T5 relative buckets).
 * - `vector`: a norm scale or a bias, [dim].
 */
export type WeightLayout = 'linear' | 'conv1d' | 'embedding' | 'vector'

export interface WeightMapEntry {
  role: WeightRole
  /** The tensor's name in the checkpoint. */
  hfName: string
  /** The shape it must have in the checkpoint (in its own layout). */
  shape: readonly number[]
  layout: WeightLayout
}

export interface WeightMap {
  entries: readonly WeightMapEntry[]
  /** The entry for a role, or undefined when the architecture has none (e.g. lm_head when tied). */
  find(stack: Stack, layer: number | null, part: WeightPart, param?: 'weight' | 'bias'): WeightMapEntry | undefined
  /** Same, but a missing role is a programming error in the builder. */
  get(stack: Stack, layer: number | null, part: WeightPart, param?: 'weight' | 'bias'): WeightMapEntry
}

export function roleKey(stack: Stack, layer: number | null, part: WeightPart, param: 'weight' | 'bias'): string {
  return `${stack}.${layer ?? '-'}.${part}.${param}`
}

export function makeWeightMap(entries: WeightMapEntry[]): WeightMap {
  const byRole = new Map<string, WeightMapEntry>()
  for (const e of entries) {
    const key = roleKey(e.role.stack, e.role.layer, e.role.part, e.role.param)
    if (byRole.has(key)) throw new Error(`weight map: role ${key} mapped twice (${byRole.get(key)!.hfName}, ${e.hfName})`)
    byRole.set(key, e)
  }
  const find: WeightMap['find'] = (stack, layer, part, param = 'weight') => byRole.get(roleKey(stack, layer, part, param))
  return {
    entries,
    find,
    get(stack, layer, part, param = 'weight') {
      const e = find(stack, layer, part, param)
      if (!e) throw new Error(`weight map has no ${roleKey(stack, layer, part, param)}`)
      return e
    },
  }
}
