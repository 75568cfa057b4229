// `exportAdapter`: one adapter folder (a run's final adapter, a checkpoint, any native folder)
// out as Mixture Studio's native folder, PEFT's layout, an ONNX model with the adapter built in, or
// a merged model, written atomically, with a model card, and recorded in the run store's exports
// table when it belongs to a run.
import { copyFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inspectModelFolder, type ModelFolderInfo } from '../models/folder'
import { checkAdapterFitsModel } from '../models/inference/adapter'
import { writeSafetensors } from '../runtime/safetensors'
import { defaultDataDir } from '../store/data-dir'
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, type AdapterFolder } from '../train/adapter-files'
import { writeFolderAtomically } from './atomic-folder'
import { foldPlan } from './fold-plan'
import { writeMergedModel } from './merged'
import { modelCard } from './model-card'
import { writeOnnxModel, type OnnxModelFacts } from './onnx-model'
import { peftAdapter } from './peft'
import { checkMergeable, checkPeftExportable } from './refusals'
import { resolveSource, type ExportStoreContext } from './source'
import { exportTorchrunJob } from './torchrun/export-job'
import { studioPlaces } from './studio-places'
import { ExportError, type ExportOptions, type ExportResult, type ExportSource } from './types'

export const MODEL_CARD_FILE = 'README.md'

export async function exportAdapter(source: ExportSource, options: ExportOptions, context: ExportStoreContext | null = null): Promise<ExportResult> {
  // The cluster job exports a run's configuration and data, not an adapter.
  if (options.format === 'torchrun') return exportTorchrunJob(source, options, context)
  if ('configFile' in source) throw new ExportError(`a run configuration file is exported as a cluster job (--format torchrun), not as ${options.format}`)
  const resolved = resolveSource(source, context)
  const { folder, adapterDir, run } = resolved
  const method = folder.adapter.method
  // Refuse before touching anything: these never work, whatever the files.
  if (options.format === 'peft') checkPeftExportable(method)
  if (options.format === 'merged') checkMergeable(method)
  const base = openBase(folder, options)
  if (base) checkAdapterFitsModel(folder, base)

  const exportedAt = new Date()
  const target = {
    format: options.format,
    overwrite: options.overwrite ?? false,
    reads: [adapterDir, ...(base ? [base.dir] : [])],
    studio: context ? studioPlaces(context) : null,
    marker: { runId: run?.id ?? null, createdAt: exportedAt },
  }
  const { path, files } = await writeFolderAtomically(options.out, target, async (dir) => {
    let onnx: OnnxModelFacts | null = null
    switch (options.format) {
      case 'native':
        await copyFile(join(adapterDir, ADAPTER_CONFIG_FILE), join(dir, ADAPTER_CONFIG_FILE))
        await copyFile(join(adapterDir, ADAPTER_WEIGHTS_FILE), join(dir, ADAPTER_WEIGHTS_FILE))
        break
      case 'peft': {
        const plan = foldPlan(folder, base!.weightMap, 'PEFT export')
        const lora = folder.adapter.method === 'lora' ? { rank: folder.adapter.rank, alpha: folder.adapter.alpha } : null
        const peft = peftAdapter(plan, { family: base!.spec.family, path: folder.config.base_model.path, map: base!.weightMap }, lora)
        writeSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), peft.tensors, { format: 'pt' })
        await writeFile(join(dir, ADAPTER_CONFIG_FILE), `${JSON.stringify(peft.config, null, 2)}\n`)
        break
      }
      case 'onnx':
        onnx = await writeOnnxModel(dir, folder, base!, context?.dataDir ?? defaultDataDir())
        break
      case 'merged':
        await writeMergedModel(dir, foldPlan(folder, base!.weightMap, 'merge'), base!)
        break
    }
    const card = modelCard({ format: options.format, config: folder.config, baseParameters: base?.parameterCount ?? null, run, latest: resolved.latest, exportedAt, onnx })
    await writeFile(join(dir, MODEL_CARD_FILE), card)
  })

  const recorded = Boolean(context && run)
  if (context && run) context.store.artifacts.addExport(run.id, options.format, path, exportedAt)
  return { format: options.format, method, path, files, source: adapterDir, adapterLabel: resolved.label, runId: run?.id ?? null, recorded }
}

/**
 * The base model the adapter was trained on: required for PEFT (module names, shapes), ONNX (the
 * whole model goes in) and merged exports, optional for native (the model card's share of parameters). It must be the same model.
 */
function openBase(folder: AdapterFolder, options: ExportOptions): ModelFolderInfo | null {
  const recorded = folder.config.base_model
  const path = options.baseModel ?? recorded.path
  let info: ModelFolderInfo
  try {
    info = inspectModelFolder(path)
  } catch (error) {
    if (options.format === 'native') return null
    throw new ExportError(
      `the ${options.format} export needs the base model the adapter was trained on, and ${path} cannot be opened (${(error as Error).message.split('\n')[0]}). ` +
        'If the model folder moved, give its new place (--model DIR in the CLI).',
    )
  }
  const { spec } = info
  const differences = [
    spec.modelType !== recorded.model_type && `model_type ${spec.modelType} (adapter: ${recorded.model_type})`,
    spec.hiddenSize !== recorded.hidden_size && `hidden size ${spec.hiddenSize} (adapter: ${recorded.hidden_size})`,
    spec.numLayers !== recorded.num_layers && `${spec.numLayers} layers (adapter: ${recorded.num_layers})`,
    spec.vocabSize !== recorded.vocab_size && `vocabulary ${spec.vocabSize} (adapter: ${recorded.vocab_size})`,
  ].filter(Boolean)
  if (differences.length) {
    if (options.format === 'native') return null
    throw new ExportError(`${info.dir} is not the model ${folder.dir} was trained on: ${differences.join(', ')}; give the right base model folder (--model DIR)`)
  }
  return info
}
