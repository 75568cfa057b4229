import type { DType, OpAttrs, OpName, Shape } from '../../ir'
import type { NdArray } from '../ndarray'

export interface KernelContext {
  /** Declared dtypes of the node's outputs (from shape inference). */
  readonly outDTypes: readonly DType[]
  /** Resolves a shape attribute (Reshape, Expand) with the symbols bound from the feeds. */
  resolveShape(shape: Shape): number[]
  /** Throws a ReferenceError-style message naming the node (bad index, etc.). */
  fail(message: string): never
}

export type Kernel<K extends OpName> = (inputs: readonly NdArray[], attrs: OpAttrs<K>, ctx: KernelContext) => NdArray[]
