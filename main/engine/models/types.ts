import type { Graph, Value } from '../ir'
import type { AdapterHooks } from '../adapters/sites'
import type { LmOutputName, LmValues } from './outputs'

/**
 * - `forward`: whole sequences at once (training, eval, scoring). Inputs input_ids and
 *   attention_mask [batch, seq] int64 (T5: plus decoder_input_ids / decoder_attention_mask
 *   [batch, tgt]); positions come from the mask. Optional labels / label_mask.
 * - `cached`: one generation step over a KV cache (see kv-cache.ts and CachedStepInputs).
 */
export type BuildMode = 'forward' | 'cached'

export interface ModelBuildOptions {
  /** Adapter sites; default NO_ADAPTER. */
  hooks?: AdapterHooks
  mode?: BuildMode
  /**
   * forward mode: declare labels and label_mask inputs and build loss and token_nll. cached mode:
   * also score the step's tokens (inputs label_slots, labels, label_mask; output token_nll; see
   * CACHED_STEP_INPUTS).
   */
  labels?: boolean
  /** forward mode: which graph outputs to declare (default ['logits']). */
  outputs?: readonly LmOutputName[]
  /**
   * Longest sequence (positions) the graph must handle: rows of the rotary tables. Default: the
   * model's context length, at most 4096. Ignored by GPT-2 (its table is a weight) and T5.
   */
  maxPositions?: number
  /**
   * cached mode: every row of a step continues the same past (a prompt computed once, scored with
   * several continuations), fed once with batch 1: past.{l}.key/value [1, kv_heads, cache, head_dim]
   * (T5: also encoder_attention_mask [1, src] and cross.{l}.key/value [1, heads, src, d_kv]).
   */
  sharedPast?: boolean
  /**
   * forward mode, decoder-only models: rows pack several examples (attention_mask = segment ids,
   * plus a position_ids input; see decoder-inputs.ts). T5 refuses it.
   */
  packed?: boolean
  /**
   * forward mode with labels, when the logits are not an output (a train or eval step, an eval
   * scorer): the loss and token NLLs are computed through the head piece by piece, without ever
   * holding the logits (head-loss.ts); `gradient` for a graph that will be differentiated (a train step).
   */
  lossThroughHead?: { gradient: boolean }
  /**
   * With lossThroughHead: the head runs only at the labelled tokens, named by the int64 input
   * label_positions (label-rows.ts). Symbolic batch dims only (the number changes every batch).
   */
  labelRows?: boolean
  /** Elements of a big frozen weight in float32 at once (default WEIGHT_PIECE_ELEMENTS); tests make it small. */
  weightPieceElements?: number
}

export interface ModelBuild {
  graph: Graph
  /** Forward mode: logits, loss and token NLL values (loss/token NLL with labels). Cached mode: logits of the last step position, [batch, vocab] (and token NLL [batch, labeled] with labels). */
  values: LmValues
  /** Cached mode: the new keys/values per layer, [batch, kv_heads, step, head_dim] (also graph outputs present.{l}.key/value). */
  present: { key: Value; value: Value }[]
}

/**
 * Inputs of a cached decoder step (every decoder-only model and T5's decoder):
 * - input_ids, position_ids int64 [batch, step]: this step's tokens (a whole prompt at the first step) and their positions;
 * - attention_mask int64 [batch, cache]: 1 at every cache slot holding a real token, this step's included;
 * - cache_start int64 [1]: the slot of this step's first token (slots are shared by the batch);
 * - past.{l}.key / past.{l}.value float32 [batch, kv_heads, cache, head_dim];
 * - cache_positions int64 [batch, cache] (only when a sliding window or T5 needs key positions).
 * Outputs: logits [batch, vocab] at the step's last position, present.{l}.key/value [batch, kv_heads, step, head_dim].
 * Built with labels (scoring after a cached prompt), it also takes label_slots int64 [labeled] (step
 * slots to score) and labels / label_mask int64 [batch, labeled], and returns token_nll [batch, labeled]:
 * −log p(labels[b][i]) after the token in slot label_slots[i] of row b, 0 where label_mask is 0; its
 * logits are then those after the last slot of label_slots.
 */
export const CACHED_STEP_INPUTS = ['input_ids', 'position_ids', 'attention_mask', 'cache_start', 'cache_positions'] as const
