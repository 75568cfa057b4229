// Initialisers of adapter tensors (docs/METHOD.md): (IA)³/MoV vectors start at ones and LoRA B at
// zeros, so training starts exactly at the base model; LoRA A and routers draw N(0, std²).
import type { Rng } from '../../random'

export const onesInit = (_rng: Rng, size: number): Float32Array => new Float32Array(size).fill(1)

export const zerosInit = (_rng: Rng, size: number): Float32Array => new Float32Array(size)

/**
 * N(0, std²). docs/METHOD.md fixes N(0, 0.02) for routers and for LoRA/MoLoRA A; PEFT's LoRA uses
 * Kaiming-uniform for A instead. Either starts at the base model because B is zero.
 */
export const normalInit =
  (std: number) =>
  (rng: Rng, size: number): Float32Array =>
    rng.normalArray(size, 0, std)
