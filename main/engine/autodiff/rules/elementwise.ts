// Gradients of elementwise ops. Inputs may broadcast; reduceToShape sums the gradient back.
import { F, type Value } from '../../ir'
import { reduceToShape } from '../helpers'
import type { GradRule } from '../rule'

type Binary = 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'Max' | 'Min'
type Unary = 'Neg' | 'Exp' | 'Log' | 'Sqrt' | 'Reciprocal' | 'Tanh' | 'Sigmoid' | 'Erf' | 'Abs' | 'Cast' | 'Identity' | 'StopGradient'

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI)

/** Float 1 where `cond`, else 0, in the dtype of `like`. */
const indicator = (cond: Value, like: Value): Value => F.cast(cond, like.dtype)

/**
 * Max/Min route the gradient to the winning operand. Ties split it evenly (0.5 each, as
 * PyTorch's maximum/minimum do), so Max(x, x) still passes dY through whole.
 */
function routeToWinner(a: Value, b: Value, dY: Value, aWins: () => Value): (() => Value)[] {
  let shareOfA: Value | null = null
  const share = () => (shareOfA ??= F.add(indicator(aWins(), a), F.mul(indicator(F.equal(a, b), a), 0.5)))
  return [() => reduceToShape(F.mul(dY, share()), a.shape), () => reduceToShape(F.mul(dY, F.sub(1, share())), b.shape)]
}

export const elementwiseRules: { [K in Binary | Unary | 'Where']: GradRule<K> } = {
  Add: ({ inputs: [a, b], dY }) => [() => reduceToShape(dY, a.shape), () => reduceToShape(dY, b.shape)],
  Sub: ({ inputs: [a, b], dY }) => [() => reduceToShape(dY, a.shape), () => reduceToShape(F.neg(dY), b.shape)],
  Mul: ({ inputs: [a, b], dY }) => [() => reduceToShape(F.mul(dY, b), a.shape), () => reduceToShape(F.mul(dY, a), b.shape)],
  // dA = dY / b; dB = -dY * a / b^2 = -dY * y / b
  Div: ({ inputs: [a, b], outputs: [y], dY }) => [
    () => reduceToShape(F.div(dY, b), a.shape),
    () => reduceToShape(F.neg(F.div(F.mul(dY, y), b)), b.shape),
  ],
  // dA = dY * b * a^(b-1); dB = dY * y * ln(a) (built only when the exponent is trained)
  Pow: ({ inputs: [a, b], outputs: [y], dY }) => [
    () => reduceToShape(F.mul(dY, F.mul(b, F.pow(a, F.sub(b, 1)))), a.shape),
    () => reduceToShape(F.mul(dY, F.mul(y, F.log(a))), b.shape),
  ],
  Max: ({ inputs: [a, b], dY }) => routeToWinner(a, b, dY, () => F.greater(a, b)),
  Min: ({ inputs: [a, b], dY }) => routeToWinner(a, b, dY, () => F.less(a, b)),
  Where: ({ inputs: [cond, a, b], dY }) => [
    null,
    () => reduceToShape(F.where(cond, dY, 0), a.shape),
    () => reduceToShape(F.where(cond, 0, dY), b.shape),
  ],
  Neg: ({ dY }) => [() => F.neg(dY)],
  Exp: ({ outputs: [y], dY }) => [() => F.mul(dY, y)],
  Log: ({ inputs: [x], dY }) => [() => F.div(dY, x)],
  Sqrt: ({ outputs: [y], dY }) => [() => F.div(F.mul(dY, 0.5), y)],
  Reciprocal: ({ outputs: [y], dY }) => [() => F.neg(F.mul(dY, F.mul(y, y)))],
  Tanh: ({ outputs: [y], dY }) => [() => F.mul(dY, F.sub(1, F.mul(y, y)))],
  Sigmoid: ({ outputs: [y], dY }) => [() => F.mul(dY, F.mul(y, F.sub(1, y)))],
  Erf: ({ inputs: [x], dY }) => [() => F.mul(dY, F.mul(F.exp(F.neg(F.mul(x, x))), TWO_OVER_SQRT_PI))],
  // sign(x), with 0 at x = 0 (the subgradient PyTorch and ORT pick)
  Abs: ({ inputs: [x], dY }) => [() => F.mul(dY, F.sub(indicator(F.greater(x, 0), x), indicator(F.less(x, 0), x)))],
  Cast: ({ inputs: [x], dY }) => [() => F.cast(dY, x.dtype)],
  Identity: ({ dY }) => [() => dY],
  // Never called: autodiff prunes every path through StopGradient before it looks up rules.
  StopGradient: () => [null],
}
