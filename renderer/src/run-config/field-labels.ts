// What the form calls each configuration field and the one line that says what it does. The
// schema gives kinds, bounds and defaults; the words for people live here. A field without an
// entry still shows, under its configuration name.

export interface FieldLabel {
  label: string
  help?: string
  /** What an empty nullable field means. */
  empty?: string
}

export const FIELD_LABELS: Record<string, FieldLabel> = {
  'adapter.experts': { label: 'Experts', help: 'Experts per site; the paper used 10, 30 and 60 for MoV, 2 to 15 for MoLoRA.' },
  'adapter.rank': { label: 'Rank', help: 'Rank r of each low-rank update.' },
  'adapter.alpha': { label: 'Alpha', help: 'The update is scaled by alpha / rank.' },
  'adapter.top_k': { label: 'Top-k', help: 'Keep only the k most probable experts per token.', empty: 'all (soft)' },
  'adapter.renormalize': { label: 'Renormalise top-k', help: 'Rescale the kept probabilities to sum to 1.' },
  'adapter.load_balancing_coefficient': { label: 'Load balancing', help: 'Coefficient of the Switch-style balancing loss; 0 is off.' },
  'adapter.init_std': { label: 'Init std', help: 'Standard deviation of the normal init of routers and A matrices.' },
  'adapter.sites': { label: 'Sites', help: 'Where the adapter acts: (IA)³ and MoV scale keys, values and the FFN activation; LoRA and MoLoRA adapt projections.', empty: 'the method\'s default sites' },
  'adapter.init': { label: 'Start from adapter', help: 'An adapter folder to start from instead of the method\'s init.', empty: 'the method\'s init' },
  'train.optimizer': { label: 'Optimizer' },
  'train.lr': { label: 'Learning rate', help: 'The paper used 3e-4, constant, for every method.' },
  'train.weight_decay': { label: 'Weight decay' },
  'train.schedule': { label: 'Schedule', help: 'How the learning rate changes over the run.' },
  'train.warmup_steps': { label: 'Warm-up steps' },
  'train.batch_size': { label: 'Batch size', help: 'Rows per micro-batch: one example each, or several when packing.' },
  'train.grad_accum': { label: 'Accumulation', help: 'Micro-batches per optimizer step.' },
  'train.max_steps': { label: 'Steps', help: 'Optimizer steps to train; empty to train by epochs.', empty: 'by epochs' },
  'train.epochs': { label: 'Epochs', help: 'Passes over the training data (2.5 allowed); the steps follow from the data.', empty: 'use steps' },
  'train.early_stopping.metric': { label: 'Early stopping', help: 'Stop once this metric stops improving; it also picks the best checkpoint (eval_loss by default).' },
  'train.early_stopping.patience': { label: 'Patience', help: 'Evaluations without improvement before it stops.' },
  'train.early_stopping.min_delta': { label: 'Min gain', help: 'An improvement must be larger than this (for accuracy 0.01 is one point).' },
  'train.max_grad_norm': { label: 'Clip gradient norm', empty: 'no clipping' },
  'train.seed': { label: 'Seed', help: 'Same seed, same data, same result.' },
  'train.eval_every': { label: 'Evaluate every', help: 'Steps between evaluations on the validation set.' },
  'train.save_every': { label: 'Checkpoint every', help: 'Steps between checkpoints (a cancelled run resumes from the last).' },
  'train.precision': { label: 'Precision', help: 'auto: float32 on the CPU; fp16 frozen weights on a GPU (bf16 on CUDA for bf16 checkpoints), adapters always float32.' },
  'train.gradient_checkpointing': { label: 'Recompute activations (gradient checkpointing)', help: 'Uses far less memory for long sequences; each block\'s forward pass runs twice, which can make a step up to a third longer.' },
  'data.format': { label: 'Format', help: 'auto detects it from the columns.' },
  'data.max_length': { label: 'Max length', help: 'Tokens per example; longer ones are skipped (the run log counts them).' },
  'data.train_on_prompt': { label: 'Train on prompt', help: 'Also learn the prompt tokens, not only the answer.' },
  'data.shuffle': { label: 'Shuffle', help: 'Shuffle examples every epoch (seeded).' },
  'data.packing': { label: 'Pack examples', help: 'Fill each row with several whole examples (attention stays inside each): fewer pad tokens, more examples per step. Not for T5.' },
  'data.split': { label: 'Held out', help: 'A share (0–1) or a count of training examples kept for evaluation.', empty: 'none' },
  'data.validation': { label: 'Validation file', empty: 'none' },
  'eval.max_new_tokens': { label: 'Answer length' },
  device: { label: 'Device', help: 'auto tries the GPU first (CUDA or DirectML, then WebGPU) and falls back to the CPU; the run log says which one trains and why.' },
}

export function fieldLabel(path: string): FieldLabel {
  return FIELD_LABELS[path] ?? { label: path.split('.').at(-1)!.replaceAll('_', ' ') }
}
