import { z } from 'zod'
import { activationSites, checkTopK, experts, initFrom, initStd, loadBalancingCoefficient, renormalize, topK } from '../common/config-fields'

/** MoV, Mixture of (IA)³ Vectors (Zadouri et al. 2023; docs/METHOD.md "MoV"). */
export const movConfigSchema = z
  .object({
    method: z.literal('mov'),
    /** Expert vectors per site (the paper used 10, 30, 60). */
    experts: experts(10),
    /** Keep the k most probable experts per token; null = soft merging (the default and the method's point). */
    top_k: topK,
    /** With top_k, rescale the kept probabilities to sum to 1 (the reference code does not). */
    renormalize,
    /** Coefficient of the Switch-style load-balancing loss added to the loss; 0 = off (as in the reference code). */
    load_balancing_coefficient: loadBalancingCoefficient,
    /** Std of the routers' normal init (docs/METHOD.md: 0.02). */
    init_std: initStd,
    /** Sites among k, v, ffn; null = all three. */
    sites: activationSites,
    /** An adapter folder to start from instead of the init. */
    init: initFrom,
  })
  .superRefine(checkTopK)
export type MovConfig = z.output<typeof movConfigSchema>
