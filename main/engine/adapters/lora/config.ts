import { z } from 'zod'
import { alpha, initFrom, initStd, projectionSites, rank } from '../common/config-fields'

/** LoRA (Hu et al. 2021; docs/METHOD.md "LoRA"): y = W x + (α/r)·B(A x). */
export const loraConfigSchema = z.object({
  method: z.literal('lora'),
  /** Rank r of A [r, in] and B [out, r] (the paper's LoRA baseline used 16). */
  rank: rank(16),
  /** The update is scaled by alpha / rank. */
  alpha,
  /** Std of A's normal init (docs/METHOD.md: 0.02; PEFT uses Kaiming-uniform). */
  init_std: initStd,
  /** Projections to adapt; null = q, k, v, o and the FFN's input and output projections. */
  sites: projectionSites,
  /** An adapter folder to start from instead of the init. */
  init: initFrom,
})
export type LoraConfig = z.output<typeof loraConfigSchema>
