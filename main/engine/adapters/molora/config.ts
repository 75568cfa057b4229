import { z } from 'zod'
import { alpha, checkTopK, experts, initFrom, initStd, loadBalancingCoefficient, projectionSites, rank, renormalize, topK } from '../common/config-fields'

/** MoLoRA, a routed mixture of LoRA experts (Zadouri et al. 2023; docs/METHOD.md "MoLoRA"). */
export const moloraConfigSchema = z
  .object({
    method: z.literal('molora'),
    /** LoRA experts per projection (the paper used 2, 10, 15 at rank 4). */
    experts: experts(10),
    /** Rank r of every expert. */
    rank: rank(4),
    /** The mixed update is scaled by alpha / rank (hard-coded 16 in the reference code). */
    alpha,
    /** Keep the k most probable experts per token; null = soft mixing over all experts. */
    top_k: topK,
    /** With top_k, rescale the kept probabilities to sum to 1 (the reference code does not). */
    renormalize,
    /** Coefficient of the Switch-style load-balancing loss added to the loss; 0 = off. */
    load_balancing_coefficient: loadBalancingCoefficient,
    /** Std of the normal init of A and of the routers (docs/METHOD.md: 0.02). */
    init_std: initStd,
    /** Projections to adapt; null = q, k, v, o and the FFN's input (activated branch) and output projections. */
    sites: projectionSites,
    /** An adapter folder to start from instead of the init. */
    init: initFrom,
  })
  .superRefine(checkTopK)
export type MoloraConfig = z.output<typeof moloraConfigSchema>
