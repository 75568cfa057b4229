// What to do about the failures a training run meets most: memory (GPU or host) and disk space.
// The original message stays first: it names what failed; the hint says what the user can change.

// The same patterns tell the Run page that Resume may succeed (mayResume).
import { DISK_FULL, OUT_OF_MEMORY } from '../contract/run-failure'

export function withFailureHint(message: string): string {
  if (DISK_FULL.test(message)) {
    return `${message} — the disk is full: free space in the data folder (old runs' checkpoints can go), then resume the run; its last complete checkpoint is kept`
  }
  if (OUT_OF_MEMORY.test(message)) {
    return `${message} — out of memory: lower train.batch_size (raise train.grad_accum to keep the same batch) or data.max_length, then resume the run`
  }
  return message
}
