import type { OpName } from '../../ir'
import { elementwiseKernels } from './elementwise'
import { indexingKernels } from './indexing'
import type { Kernel } from './kernel'
import { quantizedKernels } from './quantized'
import { reduceKernels } from './reduce'
import { shapeKernels } from './shape'

export type { Kernel, KernelContext } from './kernel'

/** One float64 kernel per op; the mapped type makes a missing op a compile error. */
export const KERNELS: { [K in OpName]: Kernel<K> } = {
  ...elementwiseKernels,
  ...reduceKernels,
  ...shapeKernels,
  ...indexingKernels,
  ...quantizedKernels,
}
