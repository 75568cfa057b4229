// The cluster job folder (docs/DESIGN.md "Cluster job"): the run as PyTorch code and arrays, so
// torchrun (or accelerate, or Slurm) trains exactly what the studio would: model.py emitted from the
// same forward graph, the same starting values, the same examples in the same order, batch by batch.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import type { RunConfig } from '../../contract/run-config'
import type { AdapterConfig } from '../../engine/adapters'
import { F, Graph } from '../../engine/ir'
import type { OpenedModel } from '../../models'
import { contextOverrun } from '../../models/inference/context-fit'
import { openRunModel } from '../../models/quantized/open-run-model'
import { readAppVersion } from '../../runtime/app-version'
import { writeSafetensors } from '../../runtime/safetensors'
import { nativeAdapterConfig } from '../../train/adapter-files'
import { BatchOrder, START_POSITION, type TrainingExample } from '../../train/batches'
import { stepsForEpochs } from '../../train/batch-source'
import { JOB_FILE, JOB_FORMAT, JOB_VERSION } from '../../train/import-job/job-file'
import { prepareRunData, runTokensFile } from '../../train/run-data'
import { baseModelInfo, batchLayout, initialParameters } from '../../train/run-training'
import { buildAdaptedLoss, STEP_OUTPUTS } from '../../train/step-graph'
import { ExportError } from '../types'
import { emitTorchModel, type TorchConstant } from '../../engine/pytorch'
import { jobReadme } from './job-readme'
import { writeNpy, writeNpyParts } from './npy'
import { torchrunPythonSource } from './python-sources'


export interface TorchrunJobInput {
  config: RunConfig
  /** The run exported (null for a configuration not yet started). */
  run: { id: string; name: string } | null
  /** The run's own folder: its tokenized data is reused when there, so the job trains on what the run did. */
  runDir: string | null
  dataDir: string
}

/** What the written job holds, for the model card and the CLI. */
export interface TorchrunJobFacts {
  jobId: string
  totalSteps: number
  trainExamples: number
  validationExamples: number
  parameters: number
}

/** Refuses, before anything is read, what the cluster job does not train. */
export function checkTorchrunExportable(config: RunConfig): void {
  if (config.model.quantize !== 'none') {
    throw new ExportError(`model.quantize is ${config.model.quantize}: the cluster job trains on the model's weights as stored (bf16/fp16 products on GPUs); export a configuration with model.quantize: none`)
  }
  if (config.data.packing) {
    throw new ExportError('data.packing is on: the cluster job pads each batch to its longest example and does not pack rows; export a configuration with data.packing: false')
  }
}

/** Writes the job into `dir` (export-job.ts refuses with checkTorchrunExportable first, before the folder is touched). */
export async function writeTorchrunJob(dir: string, input: TorchrunJobInput): Promise<TorchrunJobFacts> {
  const { config } = input
  const model = openRunModel(config.model, input.dataDir)
  // The job would fail on the cluster at its first batch (GPT-2 has no position past n_positions).
  const overrun = contextOverrun(config.data.max_length, model.spec, 'data.max_length')
  if (overrun) throw new ExportError(overrun)
  const reuse = input.runDir !== null && existsSync(runTokensFile(input.runDir, 'train'))
  const scratch = reuse ? null : mkdtempSync(join(tmpdir(), 'mixture-studio-job-'))
  try {
    const data = await prepareRunData(config, model.info.dir, reuse ? input.runDir! : scratch!)

    const { adapter, parameters, emitted } = emitJobModel(model, config.adapter, config.data.max_length)
    const seq2seq = model.spec.family === 't5'
    writeFileSync(join(dir, 'model.py'), emitted.source)
    writeFileSync(join(dir, 'train.py'), torchrunPythonSource('train.py'))
    if (emitted.constants.length > 0) writeConstants(join(dir, 'constants.safetensors'), emitted.constants)

    const initial = initialParameters(config, model, { parameters: adapter.parameters, initialValues: (seed) => adapter.initialValues(seed) })
    writeSafetensors(join(dir, 'adapter_init.safetensors'), parameters.map((p) => ({ name: p.name, dtype: 'float32' as const, shape: p.shape, data: initial.get(p.name)! })))

    const dataDir = join(dir, 'data')
    mkdirSync(dataDir)
    writeExamples(dataDir, 'train', data.train)
    writeExamples(dataDir, 'validation', data.validation)
    const plan = batchPlan({ ...config.train, shuffle: config.data.shuffle }, data.train.length)
    writeNpy(join(dataDir, 'plan.npy'), plan.indices, [plan.steps, config.train.grad_accum, config.train.batch_size])
    writeNpy(join(dataDir, 'positions.npy'), plan.positions, [plan.steps, 2])

    const jobId = randomUUID()
    const layout = batchLayout(model)
    const job = {
      format: JOB_FORMAT,
      version: JOB_VERSION,
      job_id: jobId,
      created_at: new Date().toISOString(),
      studio_version: readAppVersion(),
      run: input.run,
      config,
      model: { path: model.info.dir, family: model.spec.family, stored_dtype: model.info.dtype },
      adapter_config: nativeAdapterConfig(config.adapter, baseModelInfo(config.model.path, model), adapter.trainableParameterCount, null),
      parameters,
      layout: { seq2seq, pad_token_id: layout.padTokenId, decoder_start_token_id: layout.decoderStartTokenId },
      train: {
        optimizer: config.train.optimizer,
        lr: config.train.lr,
        schedule: config.train.schedule,
        warmup_steps: config.train.warmup_steps,
        weight_decay: config.train.weight_decay,
        max_grad_norm: config.train.max_grad_norm,
        grad_accum: config.train.grad_accum,
        batch_size: config.train.batch_size,
        total_steps: plan.steps,
        eval_every: config.train.eval_every,
        save_every: config.train.save_every,
        seed: config.train.seed,
        precision: config.train.precision,
        gradient_checkpointing: config.train.gradient_checkpointing,
      },
      data: { train_examples: data.train.length, validation_examples: data.validation.length },
    }
    writeFileSync(join(dir, JOB_FILE), `${JSON.stringify(job, null, 2)}\n`)
    writeFileSync(join(dir, 'requirements.txt'), 'torch>=1.13\nnumpy\n')
    const facts: TorchrunJobFacts = { jobId, totalSteps: plan.steps, trainExamples: data.train.length, validationExamples: data.validation.length, parameters: adapter.trainableParameterCount }
    writeFileSync(join(dir, 'README.md'), jobReadme({ config, run: input.run, model: describeModel(model), facts, aux: adapter.auxiliaryLoss !== null }))
    return facts
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  }
}

/**
 * model.py for the model with `adapterConfig` attached: the forward graph up to the loss (and the
 * load-balancing term), built with products in a half type so that model.py's casts there go to its
 * frozen_dtype (float32 on CPUs, bf16/fp16 on GPUs), the one place the precision is chosen when it
 * runs. `emitted.source` is the whole file, prelude included.
 */
export function emitJobModel(model: OpenedModel, adapterConfig: AdapterConfig, maxPositions: number) {
  const graph = new Graph({ frozenMatmulDType: 'bfloat16' })
  const { adapter, loss } = buildAdaptedLoss(graph, model, adapterConfig, { maxPositions })
  graph.output('loss', loss)
  if (adapter.auxiliaryLoss) graph.output('aux_loss', F.cast(adapter.auxiliaryLoss, 'float32'))
  // The router statistics the Run page's Expert routing panel shows (the trainer's ROUTER_STATS_EVERY steps).
  const routers = adapter.routerStatistics().map((r, i) => {
    graph.output(STEP_OUTPUTS.routerLoad(i), r.load)
    graph.output(STEP_OUTPUTS.routerEntropy(i), r.entropy)
    return { module: r.site.module, site: r.site.site, layer: r.site.layer, experts: r.experts, load: STEP_OUTPUTS.routerLoad(i), entropy: STEP_OUTPUTS.routerEntropy(i) }
  })
  const parameters = adapter.parameters.map((p) => ({ name: p.name, shape: [...p.shape] }))
  const outputs = adapter.auxiliaryLoss ? ['loss', 'aux_loss'] : ['loss']
  const weightFile = (path: string) => relative(model.info.dir, path).split(sep).join('/')
  const emitted = emitTorchModel(graph, { weightFile, parameters, outputs, routers, seq2seq: model.spec.family === 't5' })
  return { graph, adapter, parameters, emitted: { ...emitted, source: `${torchrunPythonSource('model_prelude.py')}\n\n${emitted.source}` } }
}

function describeModel(model: OpenedModel): string {
  return `${model.info.architecture} (${model.spec.numLayers} layers, hidden ${model.spec.hiddenSize}, ${model.info.dtype})`
}

/** Every example's tokens once, concatenated, with which are trained and where each starts; written example by example. */
export function writeExamples(dir: string, split: 'train' | 'validation', examples: readonly TrainingExample[]): void {
  const total = examples.reduce((n, e) => n + e.inputIds.length, 0)
  const offsets = new BigInt64Array(examples.length + 1)
  examples.forEach((e, i) => (offsets[i + 1] = offsets[i] + BigInt(e.inputIds.length)))
  writeNpyParts(join(dir, `${split}.tokens.npy`), [total], examples.map((e) => e.inputIds), 'Int32Array')
  writeNpyParts(join(dir, `${split}.trained.npy`), [total], examples.map((e) => e.trained), 'Uint8Array')
  writeNpy(join(dir, `${split}.offsets.npy`), offsets)
}

/** What the plan depends on: the run's train section, and data.shuffle. */
export type PlanSettings = Pick<RunConfig['train'], 'batch_size' | 'grad_accum' | 'seed' | 'max_steps' | 'epochs'> & { shuffle: boolean }

/**
 * The examples of every micro-batch of every step, walked as the trainer walks them (BatchOrder:
 * the seeded shuffle per epoch, the smaller last batch), and the data position after each step.
 */
export function batchPlan(settings: PlanSettings, trainCount: number): { steps: number; indices: Int32Array; positions: BigInt64Array } {
  const { batch_size: batchSize, grad_accum: accum, seed } = settings
  const order = new BatchOrder(trainCount, { batchSize, shuffle: settings.shuffle, seed })
  const steps = settings.max_steps ?? stepsForEpochs({ batchesIn: () => order.batchesPerEpoch }, settings.epochs ?? 1, accum)
  const indices = new Int32Array(steps * accum * batchSize).fill(-1)
  const positions = new BigInt64Array(steps * 2)
  let position = START_POSITION
  for (let s = 0; s < steps; s++) {
    for (let m = 0; m < accum; m++) {
      const taken = order.take(position)
      indices.set(taken.indices, (s * accum + m) * batchSize)
      position = taken.next
    }
    positions[2 * s] = BigInt(position.epoch)
    positions[2 * s + 1] = BigInt(position.batch)
  }
  return { steps, indices, positions }
}

/** The graph's large constants (rotary tables ...), by the names model.py reads them under. */
export function writeConstants(path: string, constants: readonly TorchConstant[]): void {
  writeSafetensors(
    path,
    constants.map((c) => {
      if (c.dtype !== 'float32' && c.dtype !== 'int64') throw new Error(`constant ${c.name}: ${c.dtype} constants are not written to constants.safetensors`)
      const data = c.dtype === 'float32' ? Float32Array.from(c.data) : BigInt64Array.from(Array.from(c.data, (v) => BigInt(v)))
      return { name: c.name, dtype: c.dtype, shape: c.shape, data }
    }),
  )
}
