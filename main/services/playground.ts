// playgroundGenerate: main resolves ids to folders and starts a `generate` job process, whose
// result is the answer (onnxruntime would block main's thread; see main/jobs/kinds/generate.ts).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { RunEvalError, runAdapter, type RunAdapter } from '../train/run-eval'
import { ApiCallError, ModelConfig, PlaygroundResult, RunConfig, type CallOutput, type CallParsedInput, type PlaygroundFormat } from '../contract'
import type { JobRunner } from '../jobs'
import type { GenerateJobRequest } from './generate-request'
import { isActiveRunStatus, type Store } from '../store'
import { runFolder } from '../train/run-training'
import { resolveTypedPath } from '../runtime/typed-path'

export function createPlaygroundHandlers(store: Store, dataDir: string, jobs: JobRunner) {
  function runOf(runId: string) {
    const run = store.runs.get(runId)
    if (!run) throw new ApiCallError('not_found', `There is no run ${runId}; pick one from the Runs page`)
    return run
  }

  function modelFolder(input: CallParsedInput<'playgroundGenerate'>): string {
    if (input.modelPath) return resolveTypedPath(input.modelPath)
    if (input.modelId) {
      const model = store.catalog.getModel(input.modelId)
      if (!model) throw new ApiCallError('not_found', `There is no model ${input.modelId}; add its folder on the Models page`)
      return model.path
    }
    // A stored configuration names its model as a folder (runs from before model.quantize) or as { path, quantize }.
    const model = ModelConfig.safeParse((runOf(input.runId!).config as { model?: unknown } | null)?.model)
    if (!model.success) throw new ApiCallError('invalid_input', `Run ${input.runId} names no model in its configuration; pick the model to generate with`)
    return model.data.path
  }

  /**
   * The run's best checkpoint (its final adapter when it marked none) or its final adapter; a run
   * that stopped (cancelled, failed, interrupted) has its newest checkpoint as its last. A run
   * still training has neither yet.
   */
  function runAdapterOf(runId: string, checkpoint: 'best' | 'last'): RunAdapter {
    const run = runOf(runId)
    const runDir = runFolder(dataDir, runId)
    const completed = run.status === 'completed' && existsSync(join(runDir, 'adapter'))
    if (!completed && (isActiveRunStatus(run.status) || run.status === 'completed')) {
      throw new ApiCallError('conflict', `Run ${run.name} has no final adapter (it is ${run.status}); generate with it once it has completed`)
    }
    try {
      return runAdapter(run, runDir, { kind: checkpoint })
    } catch (error) {
      if (error instanceof RunEvalError) throw new ApiCallError('conflict', `Run ${run.name} (${run.status}) saved no checkpoint to generate with: ${error.message}`)
      throw error
    }
  }

  /** The run's configuration, for its template: what its training rendered prompts through. */
  function runConfigOf(runId: string): RunConfig {
    const run = runOf(runId)
    const parsed = RunConfig.safeParse(run.config)
    if (!parsed.success) throw new ApiCallError('invalid_input', `Run ${run.name}'s configuration cannot be read, so its template is unknown; generate with the chat or raw format`)
    return parsed.data
  }

  return {
    async playgroundGenerate(input: CallParsedInput<'playgroundGenerate'>): Promise<CallOutput<'playgroundGenerate'>> {
      const picked = input.runId ? runAdapterOf(input.runId, input.checkpoint) : null
      const adapter = picked?.path ?? null
      // With a run, its own template by default: the adapter answers prompts in the form it trained on.
      const format: PlaygroundFormat = input.format ?? (input.runId ? 'run' : 'raw')
      const request: GenerateJobRequest = {
        model: modelFolder(input),
        adapter,
        ...(picked ? { adapterLabel: picked.label } : {}),
        prompt: input.prompt,
        format,
        ...(format === 'run' ? { runConfig: runConfigOf(input.runId!) } : {}),
        maxTokens: input.maxTokens,
        temperature: input.temperature,
        topP: input.topP,
        seed: input.seed,
        device: input.device,
      }
      const job = jobs.start('generate', [JSON.stringify(request)])
      const ended = await jobs.waitForEnd(job.id)
      // `failed` is the job's own account (a bad prompt length, a missing template); anything else is a crash.
      if (ended.state === 'failed') throw new ApiCallError('invalid_input', `Could not generate: ${ended.error ?? 'unknown error'}`)
      if (ended.state === 'cancelled') throw new ApiCallError('conflict', 'Generation was stopped before it finished')
      if (ended.state !== 'completed') throw new ApiCallError('internal', `The generation process was ${ended.state}: ${ended.error ?? 'no reason given'}`)
      return PlaygroundResult.parse(ended.result)
    },
  }
}
