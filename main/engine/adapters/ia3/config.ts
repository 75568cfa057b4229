import { z } from 'zod'
import { activationSites, initFrom } from '../common/config-fields'

/** (IA)³ (Liu et al. 2022; docs/METHOD.md "(IA)³"): one learned vector per site rescales an activation. */
export const ia3ConfigSchema = z.object({
  method: z.literal('ia3'),
  /** Sites among k, v, ffn; null = all three. */
  sites: activationSites,
  /** An adapter folder to start from instead of ones. */
  init: initFrom,
})
export type Ia3Config = z.output<typeof ia3ConfigSchema>
