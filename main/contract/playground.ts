import { z } from 'zod'
import { DeviceChoice } from './settings'

export const PlaygroundFormat = z.enum(['run', 'chat', 'raw'])
export type PlaygroundFormat = z.infer<typeof PlaygroundFormat>

/**
 * One prompt through the base model and through base + a run's adapter, with the same sampling
 * settings and seed, so the two answers differ only by the adapter.
 */
export const PlaygroundGenerateInput = z
  .object({
    /** A registered model (Models page) ... */
    modelId: z.string().min(1).optional(),
    /** ... or a model folder. With neither, the model the run trained on. */
    modelPath: z.string().min(1).optional(),
    /** The run whose adapter to apply; without it only the base model answers. */
    runId: z.string().min(1).optional(),
    /** Which of the run's adapters: the checkpoint it marked best (its final adapter when none), or its final adapter. */
    checkpoint: z.enum(['best', 'last']).default('best'),
    prompt: z.string().min(1, 'write a prompt'),
    /**
     * How the prompt reaches the model, the same for both answers so they compare: `run`, through
     * the run's own template exactly as its training rendered prompts (the model's chat template,
     * else ChatML; plain for a run trained on text rows), answers ending at its end of turn; `chat`,
     * a user turn through the model's own chat template; `raw`, the text as typed. Default: `run`
     * with a run, else `raw`.
     */
    format: PlaygroundFormat.optional(),
    maxTokens: z.number().int().min(1).max(4096).default(64),
    /** 0 = greedy. */
    temperature: z.number().min(0).max(5).default(0),
    topP: z.number().gt(0).max(1).default(1),
    seed: z.number().int().min(0).default(0),
    /** Where to generate (the Playground offers the Settings default); auto: this machine's GPU when it runs the model, else the CPU. */
    device: DeviceChoice.default('auto'),
  })
  .strict()
  .refine((input) => !(input.modelId && input.modelPath), { message: 'give modelId or modelPath, not both', path: ['modelPath'] })
  .refine((input) => input.modelId || input.modelPath || input.runId, { message: 'give a model (modelId or modelPath) or a run', path: ['modelId'] })
  .refine((input) => input.format !== 'run' || input.runId, { message: "the run's template needs a run: choose one, or the chat or raw format", path: ['format'] })

export const PlaygroundAnswer = z.object({
  text: z.string(),
  tokens: z.number().int(),
  finishReason: z.enum(['stop', 'max_tokens']),
  /** Decode speed after the prompt; null when only one token was generated. */
  tokensPerSecond: z.number().nullable(),
})
export type PlaygroundAnswer = z.infer<typeof PlaygroundAnswer>

export const PlaygroundResult = z.object({
  /** The model folder used. */
  model: z.string(),
  promptTokens: z.number().int(),
  /** The template the prompt went through, as templates.ts names it ('model', 'chatml', 'plain'); null for raw text. */
  template: z.string().nullable(),
  base: PlaygroundAnswer,
  /** Null when no run was given. */
  adapted: PlaygroundAnswer.nullable(),
  /** The adapter folder applied, its method, and which of the run's adapters it is ("best checkpoint step-40 (by eval_loss)"). */
  adapter: z.object({ path: z.string(), method: z.string(), label: z.string() }).nullable(),
  provider: z.string(),
  /** Where both answers were generated: "webgpu, fp16 frozen products, float32 adapters", "cpu, float32". */
  device: z.string(),
  /** Each provider not used, with why (an explicit device names only itself). */
  notUsed: z.array(z.object({ provider: z.string(), reason: z.string() })),
})
export type PlaygroundResult = z.infer<typeof PlaygroundResult>
