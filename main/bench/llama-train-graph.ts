// A Llama-style train-step graph with random frozen weights (in a temp safetensors file) and one
// trainable vector per layer on the FFN activations, (IA)³-style: loss and its gradients.
import { statSync } from 'node:fs'
import { gradients } from '../engine/autodiff'
import { F, Graph, type Value } from '../engine/ir'
import * as nn from '../engine/nn'
import { emitModelBytes } from '../engine/onnx'
import { createSession, planExternalData, type CreateSessionOptions } from '../runtime'
import { writeRandomWeights } from './weights-file'

export interface LlamaShape { layers: number; hidden: number; heads: number; kvHeads: number; ffn: number; vocab: number }

export interface LlamaBuild {
  graphSeconds: number
  emitSeconds: number
  sessionSeconds: number
  nodes: number
  modelBytes: number
  weightBytes: number
}

/** Hugging Face names and shapes of a Llama-style model's weights. */
export function llamaWeightShapes(s: LlamaShape): Record<string, [number, number] | [number]> {
  const headDim = s.hidden / s.heads
  const shapes: Record<string, [number, number] | [number]> = { 'model.embed_tokens.weight': [s.vocab, s.hidden], 'model.norm.weight': [s.hidden] }
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`
    Object.assign(shapes, {
      [`${p}.input_layernorm.weight`]: [s.hidden],
      [`${p}.self_attn.q_proj.weight`]: [s.heads * headDim, s.hidden],
      [`${p}.self_attn.k_proj.weight`]: [s.kvHeads * headDim, s.hidden],
      [`${p}.self_attn.v_proj.weight`]: [s.kvHeads * headDim, s.hidden],
      [`${p}.self_attn.o_proj.weight`]: [s.hidden, s.heads * headDim],
      [`${p}.post_attention_layernorm.weight`]: [s.hidden],
      [`${p}.mlp.gate_proj.weight`]: [s.ffn, s.hidden],
      [`${p}.mlp.up_proj.weight`]: [s.ffn, s.hidden],
      [`${p}.mlp.down_proj.weight`]: [s.hidden, s.ffn],
    })
  }
  return shapes
}

/**
 * The Llama-style graph on declared weights `w` (tied LM head): the loss of a batch, and for a
 * train step also its gradients for one (IA)³ vector per layer (graph inputs `model.layers.i.mlp.ia3_l`).
 */
export function buildLlamaGraph(g: Graph, w: Record<string, Value>, s: LlamaShape, kind: 'train' | 'forward'): void {
  const headDim = s.hidden / s.heads
  const ids = g.input('input_ids', 'int64', ['batch', 'seq'])
  const mask = g.input('attention_mask', 'float32', ['batch', 'seq'])
  const positions = g.input('position_ids', 'int64', ['batch', 'seq'])
  const labels = g.input('labels', 'int64', ['batch', 'seq'])
  const labelMask = g.input('label_mask', 'float32', ['batch', 'seq'])
  const trainable: Value[] = []
  const rope = nn.rotaryForPositions(nn.rotaryTables(g, headDim, 4096, 10000), positions)
  const bias = nn.attentionBias(mask, true)
  let h = nn.embedding(ids, w['model.embed_tokens.weight']) // [B, T, hidden]
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`
    const ia3 = g.input(`${p}.mlp.ia3_l`, 'float32', [s.ffn])
    trainable.push(ia3)
    h = g.scoped(`layers.${i}`, () => {
      const x = nn.rmsNorm(h, w[`${p}.input_layernorm.weight`], 1e-5)
      const q = nn.applyRotary(nn.splitHeads(nn.linear(x, w[`${p}.self_attn.q_proj.weight`]), s.heads, headDim), rope.cos, rope.sin)
      const k = nn.applyRotary(nn.splitHeads(nn.linear(x, w[`${p}.self_attn.k_proj.weight`]), s.kvHeads, headDim), rope.cos, rope.sin)
      const v = nn.splitHeads(nn.linear(x, w[`${p}.self_attn.v_proj.weight`]), s.kvHeads, headDim)
      const attn = nn.scaledDotProductAttention(q, k, v, bias, { heads: s.heads, kvHeads: s.kvHeads, headDim })
      const afterAttn = F.add(h, nn.linear(nn.mergeHeads(attn), w[`${p}.self_attn.o_proj.weight`]))
      const y = nn.rmsNorm(afterAttn, w[`${p}.post_attention_layernorm.weight`], 1e-5)
      const gated = F.mul(F.mul(nn.silu(nn.linear(y, w[`${p}.mlp.gate_proj.weight`])), nn.linear(y, w[`${p}.mlp.up_proj.weight`])), ia3) // [B, T, ffn]
      return F.add(afterAttn, nn.linear(gated, w[`${p}.mlp.down_proj.weight`]))
    })
  }
  const logits = nn.linear(nn.rmsNorm(h, w['model.norm.weight'], 1e-5), w['model.embed_tokens.weight']) // [B, T, vocab]
  const loss = nn.crossEntropy(logits, labels, labelMask)
  g.output('loss', loss)
  if (kind === 'train') gradients(loss, trainable).forEach((grad, i) => g.output(`grad.${i}`, grad))
}

/** Builds the train-step graph, emits it and opens a session; times each phase. */
export async function buildLlamaTrainStep(s: LlamaShape, session: CreateSessionOptions): Promise<LlamaBuild> {
  const file = writeRandomWeights(llamaWeightShapes(s))
  try {
    const t0 = performance.now()
    const g = new Graph()
    buildLlamaGraph(g, file.declare(g), s, 'train')
    const t1 = performance.now()
    const plan = planExternalData(g)
    const bytes = emitModelBytes(g, { externalLocation: (path) => plan.locations.get(path) ?? path })
    const t2 = performance.now()
    const opened = await createSession(bytes, { ...session, externalDataFolder: plan.folder })
    const t3 = performance.now()
    await opened.dispose()
    return {
      graphSeconds: (t1 - t0) / 1000,
      emitSeconds: (t2 - t1) / 1000,
      sessionSeconds: (t3 - t2) / 1000,
      nodes: g.nodes.length,
      modelBytes: bytes.byteLength,
      weightBytes: statSync(file.path).size,
    }
  } finally {
    file.remove()
  }
}
