// The playground's generation, in a job process: onnxruntime's session.run blocks the thread it
// runs on, so main only resolves what to load and waits for this job's result. The base model
// and base + adapter answer in turn (one model in memory at a time), same prompt, same seed.
import { z } from 'zod'
import { DeviceChoice, type PlaygroundAnswer, type PlaygroundResult } from '../../contract'
import { loadInferenceAdapter, type InferenceAdapter } from '../../models/inference/adapter'
import { contextOverflow } from '../../models/inference/context-fit'
import { Generator } from '../../models/inference/generate'
import { openModel, type OpenedModel } from '../../models/inference/open-model'
import { ModelTokenizer } from '../../models/tokenizer'
import { describeTarget, wasTried } from '../../runtime'
import type { JobMain } from './job-context'

/** What main passes (as one JSON argument): paths already resolved from ids. */
export const GenerateJobRequest = z.object({
  model: z.string().min(1),
  /** A native adapter folder, or null for the base model only. */
  adapter: z.string().min(1).nullable(),
  /** Which of a run's adapters that is ("best checkpoint step-40 (by eval_loss)"), for the result; default "adapter folder". */
  adapterLabel: z.string().min(1).optional(),
  prompt: z.string().min(1),
  chat: z.boolean(),
  maxTokens: z.number().int().min(1),
  temperature: z.number().min(0),
  topP: z.number().gt(0).max(1),
  seed: z.number().int().min(0),
  device: DeviceChoice,
})
export type GenerateJobRequest = z.infer<typeof GenerateJobRequest>

const PROGRESS_INTERVAL_MS = 100

export const generateJob: JobMain = async (context) => {
  const parsed = GenerateJobRequest.safeParse(JSON.parse(context.args[0] ?? 'null'))
  if (!parsed.success) throw new Error('a generate job needs its request as one JSON argument; use playgroundGenerate (or `mixture-studio generate`)')
  return generateSideBySide(parsed.data, (done, total, label) => context.progress(done, total, label))
}

export async function generateSideBySide(request: GenerateJobRequest, progress: (done: number, total: number, label: string) => void = () => {}): Promise<PlaygroundResult> {
  const model = openModel(request.model)
  const tokenizer = ModelTokenizer.load(model.info.dir)
  if (request.chat && !tokenizer.hasChatTemplate) {
    throw new Error(`${model.info.dir} has no chat template; generate without "chat"`)
  }
  const prompt = tokenizer.promptIds(request.prompt, request.chat)
  const longest = prompt.length + request.maxTokens
  const overflow = contextOverflow(prompt.length, request.maxTokens, model.spec.contextLength, 'Max tokens')
  if (overflow) throw new Error(overflow)
  const adapter = request.adapter ? loadInferenceAdapter(request.adapter, model) : null

  // Progress counts tokens over both answers ("Base model: 12 of 64 tokens"), at most ten updates
  // a second: a small model makes thousands of tokens a second, and each update crosses two processes.
  const answers = adapter ? ['Base model', 'Base + adapter'] : ['Base model']
  const span = answers.length * request.maxTokens
  let lastReport = 0
  const tokensSoFar = (index: number) => (generated: number) => {
    const now = performance.now()
    if (now - lastReport < PROGRESS_INTERVAL_MS && generated < request.maxTokens) return
    lastReport = now
    progress(index * request.maxTokens + generated, span, `${answers[index]}: ${generated} of ${request.maxTokens} tokens`)
  }
  progress(0, span, `${answers[0]}: loading the model`)
  const base = await answer(model, tokenizer, prompt, request, longest, null, tokensSoFar(0))
  if (adapter) progress(request.maxTokens, span, `${answers[1]}: loading the model`)
  const adapted = adapter ? await answer(model, tokenizer, prompt, request, longest, adapter, tokensSoFar(1)) : null
  progress(span, span, 'done')
  return {
    model: model.info.dir,
    promptTokens: prompt.length,
    base: base.answer,
    adapted: adapted?.answer ?? null,
    adapter: adapter ? { path: adapter.dir ?? request.adapter!, method: adapter.config.method, label: request.adapterLabel ?? 'adapter folder' } : null,
    provider: base.generator.target.provider,
    device: describeTarget(base.generator.target),
    notUsed: base.generator.rejected.filter(wasTried),
  }
}

async function answer(
  model: OpenedModel, tokenizer: ModelTokenizer, prompt: number[], request: GenerateJobRequest, longest: number, adapter: InferenceAdapter | null,
  onTokens: (generated: number) => void,
): Promise<{ answer: PlaygroundAnswer; generator: Generator }> {
  const generator = await Generator.create(model, { device: request.device, maxPositions: Math.max(longest, 1), ...(adapter ? { adapter } : {}) })
  try {
    const { rows, stats } = await generator.generate([prompt], { maxTokens: request.maxTokens, temperature: request.temperature, topP: request.topP, seed: request.seed, onTokens })
    const row = rows[0]
    const tokensPerSecond = stats.decodeSeconds > 0 && stats.generatedTokens > 1 ? (stats.generatedTokens - 1) / stats.decodeSeconds : null
    return { answer: { text: tokenizer.decode(row.tokens), tokens: row.tokens.length, finishReason: row.finishReason, tokensPerSecond }, generator }
  } finally {
    await generator.dispose()
  }
}
