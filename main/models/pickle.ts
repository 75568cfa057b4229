// Pickle checkpoints (.bin, .pt ...) execute code when loaded. We recognise them by name only and
// never open them; the user converts them once with transformers, on a machine and with files they trust.

const PICKLE_EXTENSIONS = ['.bin', '.pt', '.pth', '.ckpt', '.pkl'] as const
/** Pickles HF folders carry that are not weights. */
const NOT_WEIGHTS = new Set(['training_args.bin'])

/** The pickle weight files among a folder's entry names. */
export function pickleWeightFiles(fileNames: readonly string[]): string[] {
  return fileNames.filter((name) => !NOT_WEIGHTS.has(name) && PICKLE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext))).sort()
}

/** The refusal, with the conversion command for this kind of model. */
export function pickleRefusalMessage(dir: string, pickles: readonly string[], modelType: string | null): string {
  const autoClass = modelType === 't5' ? 'AutoModelForSeq2SeqLM' : 'AutoModelForCausalLM'
  const out = `${dir.replace(/[\\/]+$/, '')}-safetensors`
  return [
    `${dir}: the weights are in PyTorch pickle format (${pickles.join(', ')}), which can run arbitrary code when loaded, so Mixture Studio does not open it.`,
    `Convert the folder to safetensors once, with Python and transformers, if you trust where the files came from:`,
    `  python -c "from transformers import ${autoClass}, AutoTokenizer; d='${dir}'; o='${out}'; ${autoClass}.from_pretrained(d).save_pretrained(o, safe_serialization=True); AutoTokenizer.from_pretrained(d).save_pretrained(o)"`,
    `then open ${out} (it gets config.json, model.safetensors or shards with model.safetensors.index.json, and the tokenizer files).`,
  ].join('\n')
}
