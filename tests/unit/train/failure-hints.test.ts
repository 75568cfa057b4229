// A failed run's message keeps what failed and adds what to do, for a full disk and for memory.
import { writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { withFailureHint } from '../../../main/train/failure-hints'

describe('failure hints', () => {
  it.runIf(process.platform === 'linux')('a real ENOSPC from the OS (writing to /dev/full) says the disk is full and that the run resumes', () => {
    let message = ''
    try {
      writeFileSync('/dev/full', 'x')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^ENOSPC/)
    expect(withFailureHint(message)).toMatch(/^ENOSPC: no space left on device.* — the disk is full: free space in the data folder .*then resume the run/)
  })

  it.each([
    '[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while running MatMul node. Name:\'MatMul_12\' Status Message: CUDA error cudaErrorMemoryAllocation:out of memory',
    'Failed to allocate memory for requested buffer of size 4294967296',
    'std::bad_alloc',
  ])('out of memory (%s) suggests a smaller batch or sequence', (message) => {
    expect(withFailureHint(message)).toBe(`${message} — out of memory: lower train.batch_size (raise train.grad_accum to keep the same batch) or data.max_length, then resume the run`)
  })

  it('leaves other messages alone', () => {
    expect(withFailureHint('data.train: no such file')).toBe('data.train: no such file')
  })
})
