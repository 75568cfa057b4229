import { elementwiseRules } from './rules/elementwise'
import { indexingRules } from './rules/indexing'
import { quantizedRules } from './rules/quantized'
import { reduceRules } from './rules/reduce'
import { shapeRules } from './rules/shape'
import type { GradientRules } from './rule'

/**
 * The gradient of every op, or 'not-differentiable' for ops whose outputs are bool or integer
 * (no gradient can flow through them; autodiff only follows float values, so reaching one of
 * these on a needed path means a float output was produced by an op without a rule).
 * The mapped type makes a missing op a compile error; tests check the same at run time.
 */
export const GRADIENT_RULES: GradientRules = {
  ...elementwiseRules,
  ...reduceRules,
  ...shapeRules,
  ...indexingRules,
  ...quantizedRules,
  Equal: 'not-differentiable',
  Less: 'not-differentiable',
  Greater: 'not-differentiable',
  And: 'not-differentiable',
  Or: 'not-differentiable',
  Not: 'not-differentiable',
  Iota: 'not-differentiable',
  // Frozen weights only: their float outputs depend on no parameter (q is uint8, scales stored).
  DequantizeNBits: 'not-differentiable',
  GatherNBits: 'not-differentiable',
}
