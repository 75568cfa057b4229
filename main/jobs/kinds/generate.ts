// The playground's generation, in a job process: onnxruntime's session.run blocks the thread it
// runs on, so main only resolves what to load and waits for this job's result. The base model
// and base + adapter answer in turn (one model in memory at a time), same prompt, same seed.
import type { PlaygroundAnswer, PlaygroundResult } from '../../contract'
import { loadInferenceAdapter, openBaseFor, type InferenceAdapter } from '../../models/inference/adapter'
import { contextOverflow } from '../../models/inference/context-fit'
import { Generator } from '../../models/inference/generate'
import { stopTokensUnder, textBeforeEndOfTurn } from '../../models/inference/end-of-turn'
import type { OpenedModel } from '../../models/inference/open-model'
import { ModelTokenizer } from '../../models/tokenizer'
import { describeTarget, wasTried } from '../../runtime'
import { GenerateJobRequest } from '../../services/generate-request'
import { runPrompts, type EndOfTurn } from '../../train/run-prompts'
import type { JobMain } from './job-context'

const PROGRESS_INTERVAL_MS = 100

export const generateJob: JobMain = async (context) => {
  const parsed = GenerateJobRequest.safeParse(JSON.parse(context.args[0] ?? 'null'))
  if (!parsed.success) throw new Error('a generate job needs its request as one JSON argument; use playgroundGenerate (or `mixture-studio generate`)')
  return generateSideBySide(parsed.data, (done, total, label) => context.progress(done, total, label))
}

export async function generateSideBySide(request: GenerateJobRequest, progress: (done: number, total: number, label: string) => void = () => {}): Promise<PlaygroundResult> {
  // An adapter trained on a quantized base answers on that base; the base's own answer too, so the two differ by the adapter alone.
  const model = openBaseFor(request.model, request.adapter ?? null)
  const tokenizer = ModelTokenizer.load(model.info.dir)
  const { prompt, template, endOfTurn } = renderPrompt(request, model, tokenizer)
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
  const turn = { prompt, endOfTurn }
  const base = await answer(model, tokenizer, turn, request, longest, null, tokensSoFar(0))
  if (adapter) progress(request.maxTokens, span, `${answers[1]}: loading the model`)
  const adapted = adapter ? await answer(model, tokenizer, turn, request, longest, adapter, tokensSoFar(1)) : null
  progress(span, span, 'done')
  return {
    model: model.info.dir,
    promptTokens: prompt.length,
    template,
    base: base.answer,
    adapted: adapted?.answer ?? null,
    adapter: adapter ? { path: adapter.dir ?? request.adapter!, method: adapter.config.method, label: request.adapterLabel ?? 'adapter folder' } : null,
    provider: base.generator.target.provider,
    device: describeTarget(base.generator.target),
    notUsed: base.generator.rejected.filter(wasTried),
  }
}

/** The prompt's ids in the request's format, the template it went through, and where an answer ends under it. */
interface RenderedPrompt {
  prompt: number[]
  template: string | null
  endOfTurn: EndOfTurn | null
}

function renderPrompt(request: GenerateJobRequest, model: OpenedModel, tokenizer: ModelTokenizer): RenderedPrompt {
  if (request.format === 'run') {
    if (!request.runConfig) throw new Error('internal: the run\'s template needs the run\'s configuration')
    // Exactly as the run's training rendered prompts (and its evaluation and answers during
    // training do): the adapter learned to answer this form, and its answers end at its end of turn.
    const rendering = runPrompts(request.runConfig, model.info.dir)
    return { prompt: rendering.promptIds(request.prompt), template: rendering.templateName, endOfTurn: rendering.endOfTurn }
  }
  if (request.format === 'chat' && !tokenizer.hasChatTemplate) {
    throw new Error(`${model.info.dir} has no chat template; generate with raw text, or with a run's template (a run on this model trained through ChatML)`)
  }
  return { prompt: tokenizer.promptIds(request.prompt, request.format === 'chat'), template: request.format === 'chat' ? 'model' : null, endOfTurn: null }
}

async function answer(
  model: OpenedModel, tokenizer: ModelTokenizer, turn: Omit<RenderedPrompt, 'template'>, request: GenerateJobRequest, longest: number, adapter: InferenceAdapter | null,
  onTokens: (generated: number) => void,
): Promise<{ answer: PlaygroundAnswer; generator: Generator }> {
  const generator = await Generator.create(model, { device: request.device, maxPositions: Math.max(longest, 1), ...(adapter ? { adapter } : {}) })
  // The template's end of turn stops an answer besides the model's EOS (when it is one token), and
  // cuts the text where it shows (when it takes several, as ChatML's does on a model without it).
  const stopTokens = stopTokensUnder(model, turn.endOfTurn)
  try {
    const { rows, stats } = await generator.generate([turn.prompt], { maxTokens: request.maxTokens, temperature: request.temperature, topP: request.topP, seed: request.seed, stopTokens, onTokens })
    const row = rows[0]
    const tokensPerSecond = stats.decodeSeconds > 0 && stats.generatedTokens > 1 ? (stats.generatedTokens - 1) / stats.decodeSeconds : null
    const { text, ended } = textBeforeEndOfTurn(tokenizer.decode(row.tokens), turn.endOfTurn)
    const finishReason = ended ? 'stop' : row.finishReason
    return { answer: { text, tokens: row.tokens.length, finishReason, tokensPerSecond }, generator }
  } finally {
    await generator.dispose()
  }
}
