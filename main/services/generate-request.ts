// The request playgroundGenerate passes to a `generate` job (main/jobs/kinds/generate.ts), which
// runs the generation so that onnxruntime does not block main's thread.
import { z } from 'zod'
import { DeviceChoice, PlaygroundFormat, RunConfig } from '../contract'

/** What main passes (as one JSON argument): paths already resolved from ids. */
export const GenerateJobRequest = z.object({
  model: z.string().min(1),
  /** A native adapter folder, or null for the base model only. */
  adapter: z.string().min(1).nullable(),
  /** Which of a run's adapters that is ("best checkpoint step-40 (by eval_loss)"), for the result; default "adapter folder". */
  adapterLabel: z.string().min(1).optional(),
  prompt: z.string().min(1),
  /** As PlaygroundGenerateInput's: the run's template (runConfig is then the run's), the model's chat template, or raw text. */
  format: PlaygroundFormat,
  /** The configuration of the run whose template `run` renders through (as it was validated when the run started). */
  runConfig: RunConfig.optional(),
  maxTokens: z.number().int().min(1),
  temperature: z.number().min(0),
  topP: z.number().gt(0).max(1),
  seed: z.number().int().min(0),
  device: DeviceChoice,
})
export type GenerateJobRequest = z.infer<typeof GenerateJobRequest>
