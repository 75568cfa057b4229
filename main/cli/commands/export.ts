import { ExportFormat, type RunExport } from '../../contract'
import { dispatchCall } from '../../services'
import { EXIT_FAILURE, EXIT_OK, UsageError, type Command } from '../command'
import { openServices } from '../open-services'
import { parseOptions } from '../parse-options'
import { formatBytes } from '../../contract/format-bytes'
import { idArgument, isFolder } from '../id-argument'
import { CHECKPOINT_OPTION_HELP, checkpointChoice } from './checkpoint-option'

const FORMATS: readonly string[] = ExportFormat.options

export const exportCommand: Command = {
  name: 'export',
  summary: "export a run's adapter: native, PEFT (LoRA, (IA)³), an ONNX model, merged into the base model, or the run as a cluster job",
  usage: `Usage: mixture-studio export RUN|DIR --format native|peft|onnx|merged --out DIR [--checkpoint best|last|N] [--force] [--model DIR] [--json]
       mixture-studio export RUN --format torchrun --out DIR [--force] [--model DIR] [--json]
       mixture-studio export --config run.yaml --format torchrun --out DIR [--force] [--model DIR] [--json]

RUN is a run id (its best checkpoint unless --checkpoint says otherwise); DIR is an adapter
folder (a run's adapter/ or checkpoints/step-N/, or a copy). Every export gets a README.md model
card.

  --format native  the adapter folder as is (adapter_config.json + adapter_model.safetensors)
  --format peft    PEFT's layout, for PeftModel.from_pretrained (LoRA and (IA)³ only)
  --format onnx    model.onnx + model.onnx.data: the base model with the adapter built in, for
                   any onnxruntime (every method, mixtures included); input_ids, attention_mask
                   int64 [batch, seq] -> logits; also decoder_step.onnx (T5: and encoder.onnx)
                   for KV-cache generation, same weights file (the folder's README shows the loop);
                   tokenizer files copied, base model not needed
  --format merged  a complete model folder with the adapter folded into the base weights, in
                   their dtype (LoRA and (IA)³ only: a mixture's routing depends on the input)
  --format torchrun  the run as a cluster job for PyTorch (>= 1.13) and torchrun, accelerate
                   or Slurm: model.py (generated from the studio's own graph), train.py (data
                   parallel, NCCL on GPUs, gloo on CPUs), the tokenized data and a README with
                   the launch commands; the job trains the run from its start, exactly as the
                   studio would. Bring it home with \`mixture-studio runs import-job DIR\`
  --config FILE    (torchrun) a run configuration not yet started, instead of RUN
  --out DIR        the folder to write; written to a temporary folder, then renamed into place
  --checkpoint C   with RUN: ${CHECKPOINT_OPTION_HELP.replaceAll('\n                  ', '\n                   ')}
  --force          replace DIR when it holds a previous export of this format (every export
                   leaves a .mixture-studio-export.json marker in its folder); the old export is
                   deleted only once the new one is in place. Nothing else is ever replaced: not
                   a folder without that marker or with files the export did not write, the data
                   folder or anything in it, a model or dataset folder the studio knows, the
                   home folder or a filesystem root
  --model DIR      the base model, when it moved since training (peft, onnx, merged), or
                   where the cluster job reads it (torchrun)
  --json           one JSON object: {"type":"export","format","path","files":[{"path","bytes"}],...}`,

  async run(args, context) {
    const { values, positionals } = parseOptions(
      args,
      { format: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' }, model: { type: 'string' }, json: { type: 'boolean' }, checkpoint: { type: 'string' }, config: { type: 'string' } },
      true,
    )
    if (!values.format || !FORMATS.includes(values.format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`)
    if (!values.out) throw new UsageError('export needs --out DIR')
    if (values.config !== undefined) {
      if (values.format !== 'torchrun') throw new UsageError('--config exports a run configuration as a cluster job: use it with --format torchrun')
      if (positionals.length > 0) throw new UsageError('give either a RUN id or --config run.yaml, not both')
      if (values.checkpoint !== undefined) throw new UsageError('--checkpoint picks an adapter of a run; a cluster job trains the run from its start')
    } else if (positionals.length !== 1) throw new UsageError('export needs one RUN id or adapter folder')
    const typed = positionals[0]
    const isAdapterFolder = typed !== undefined && isFolder(typed)
    const what = typed === undefined || isAdapterFolder ? typed : idArgument(context, 'run', typed)
    if (isAdapterFolder && values.checkpoint !== undefined) throw new UsageError('--checkpoint picks an adapter of a run: give a RUN id, or the checkpoint folder itself')
    const choice = checkpointChoice(values.checkpoint)
    const input = {
      ...(values.config !== undefined ? { configFile: values.config } : isAdapterFolder ? { adapterDir: what } : { runId: what, ...(values.format === 'torchrun' ? {} : { checkpoint: choice.kind === 'step' ? choice.step : choice.kind }) }),
      format: values.format,
      out: values.out,
      overwrite: values.force ?? false,
      ...(values.model ? { baseModel: values.model } : {}),
    }
    // The export runs in this process, like `train`: the command has nothing else to answer meanwhile.
    const services = openServices(context, { longCallsInProcess: true })
    try {
      const result = await dispatchCall(services, 'runsExport', input)
      if (!result.ok) {
        if (values.json) context.stdout(`${JSON.stringify({ type: 'error', message: result.error.message })}\n`)
        else context.stderr(`${result.error.message}\n`)
        return EXIT_FAILURE
      }
      const exported = result.data as RunExport
      if (values.json) context.stdout(`${JSON.stringify({ type: 'export', ...exported })}\n`)
      else context.stdout(describe(exported))
      return EXIT_OK
    } finally {
      await services.close()
    }
  },
}

function describe(e: RunExport): string {
  const width = Math.max(...e.files.map((f) => formatBytes(f.bytes).length))
  const job = e.format === 'torchrun'
  const lines = [
    job
      ? `Exported ${e.runId ? `run ${e.runId}` : `the run configuration ${e.source}`} (${e.method}) as a cluster job to ${e.path}:`
      : `Exported the ${e.method} adapter ${e.runId ? `of run ${e.runId} ${checkpointWords(e.adapterLabel)}` : ''}as ${e.format} to ${e.path}:`,
    ...e.files.map((f) => `  ${formatBytes(f.bytes).padStart(width)}  ${f.path}`),
  ]
  if (job) lines.push(`Launch it as ${e.path}/README.md says (python train.py, or torchrun); bring it home with \`mixture-studio runs import-job ${e.path}\`.`)
  if (!e.recorded) lines.push(job ? '(not recorded in the run store: a run configuration file is no run there yet)' : '(not recorded in the run store: the adapter folder belongs to no run there)')
  return `${lines.join('\n')}\n`
}

/** A checkpoint of the run is named; its final adapter (what a run export always was) goes unsaid. */
function checkpointWords(label: string | null): string {
  return label === null || label.startsWith('final adapter') ? '' : `(its ${label}) `
}

