// What other fine-tuning tools call a field of ours: someone used to Hugging Face's Trainer and
// PEFT, axolotl or LLaMA-Factory writes learning_rate, r or cutoff_len, which no spelling check
// turns into lr, rank or max_length. By the object the field belongs in ('' is the top level).
export const FOREIGN_FIELD_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '': { model_name_or_path: 'model', base_model: 'model', dataset: 'data', peft: 'adapter', lora: 'adapter' },
  model: { load_in_4bit: 'quantize', load_in_8bit: 'quantize', quantization: 'quantize' },
  data: {
    train_file: 'train', validation_file: 'validation', eval_dataset: 'validation', val_set_size: 'split',
    max_seq_length: 'max_length', sequence_len: 'max_length', cutoff_len: 'max_length', sample_packing: 'packing',
  },
  adapter: { r: 'rank', lora_r: 'rank', lora_alpha: 'alpha', num_experts: 'experts', target_modules: 'sites', lora_target_modules: 'sites' },
  train: {
    learning_rate: 'lr', num_train_epochs: 'epochs', num_epochs: 'epochs', max_steps_per_epoch: 'max_steps',
    per_device_train_batch_size: 'batch_size', micro_batch_size: 'batch_size', train_batch_size: 'batch_size',
    gradient_accumulation_steps: 'grad_accum', lr_scheduler_type: 'schedule', lr_scheduler: 'schedule', optim: 'optimizer',
    eval_steps: 'eval_every', save_steps: 'save_every', warmup: 'warmup_steps',
  },
}
