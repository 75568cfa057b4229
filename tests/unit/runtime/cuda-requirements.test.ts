import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkCudaRequirements, CUDA12_LIBRARIES, hasNvidiaGpu, nvidiaDriverVersion, parseLdCache, readCudaMachine, versionAtLeast, type CudaMachine } from '../../../main/runtime/cuda-requirements'
import { makeTempDir } from '../../helpers/temp-dir'

let cleanup: (() => void) | null = null
afterEach(() => {
  cleanup?.()
  cleanup = null
})

const noGpu: CudaMachine = { deviceNode: false, procVersion: null, smiDriverVersion: null, ldCache: new Map(), libraryDirs: [] }

describe('the NVIDIA driver', () => {
  it('reads its version from /proc/driver/nvidia/version, proprietary or open module', () => {
    const proprietary = 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\nGCC version:  gcc version 12.3.0\n'
    const open = 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.14  Release Build  (dvs-builder@U16-I3-B03-4-3)\n'
    expect(nvidiaDriverVersion({ ...noGpu, procVersion: proprietary })).toBe('535.104.05')
    expect(nvidiaDriverVersion({ ...noGpu, procVersion: open })).toBe('550.54.14')
    expect(nvidiaDriverVersion({ ...noGpu, smiDriverVersion: '560.35.03' })).toBe('560.35.03')
    expect(hasNvidiaGpu({ ...noGpu, deviceNode: true })).toBe(true)
    expect(hasNvidiaGpu(noGpu)).toBe(false)
  })

  it('compares versions number by number', () => {
    expect(versionAtLeast('525.60.13', '525.60.13')).toBe(true)
    expect(versionAtLeast('530.1', '525.60.13')).toBe(true)
    expect(versionAtLeast('525.60.2', '525.60.13')).toBe(false)
    expect(versionAtLeast('470.256.02', '525.60.13')).toBe(false)
  })

  it('names an old driver with the version CUDA 12 needs', () => {
    const old = checkCudaRequirements({ ...noGpu, smiDriverVersion: '470.256.02' })
    expect(old.problem).toMatch(/a newer NVIDIA driver: this one is 470\.256\.02, CUDA 12 needs 525\.60\.13 or newer/)
  })
})

const thisMachine = readCudaMachine({ LD_LIBRARY_PATH: '' })
// The build machines have no NVIDIA driver and no CUDA; where they do, this case cannot be seen.
const bareMachine = !hasNvidiaGpu(thisMachine) && !thisMachine.ldCache.has('libcudart.so.12')

describe('the CUDA 12 runtime and cuDNN 9', () => {
  it.runIf(bareMachine)('on this machine (no driver, no CUDA) names all three', () => {
    const machine = thisMachine
    const check = checkCudaRequirements(machine)
    expect(check.missing.cuda).toEqual(['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcufft.so.11', 'libcurand.so.10'])
    expect(check.missing.cudnn).toEqual(['libcudnn.so.9'])
    expect(check.problem).toMatch(/^CUDA cannot run on this machine yet\. Missing: the NVIDIA driver: none found .*525\.60\.13 or newer; the CUDA 12 runtime: libcudart\.so\.12, .* not found \(searched the ld\.so cache.*\); .*; cuDNN 9: libcudnn\.so\.9 not found; install cuDNN 9/)
  })

  it('finds the libraries in a folder on LD_LIBRARY_PATH, leaving only what is still missing', () => {
    const temp = makeTempDir('mixture-studio-cuda-libs-')
    cleanup = temp.remove
    for (const lib of CUDA12_LIBRARIES) writeFileSync(join(temp.dir, lib.soname), '')
    const machine = { ...readCudaMachine({ LD_LIBRARY_PATH: `/nowhere:${temp.dir}` }), deviceNode: false, procVersion: null, smiDriverVersion: null }
    const check = checkCudaRequirements(machine)
    expect(check.missing).toEqual({ driver: expect.stringMatching(/none found/), cuda: [], cudnn: [] })
    expect(check.problem).not.toMatch(/CUDA 12 runtime|cuDNN/)
    const ready = checkCudaRequirements({ ...machine, procVersion: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  x' })
    expect(ready).toEqual({ driver: '550.54.14', missing: { driver: null, cuda: [], cudnn: [] }, problem: null })
  })

  it('reads the ld.so cache, x86-64 entries only', () => {
    const cache = parseLdCache([
      '123 libs found in cache `/etc/ld.so.cache\'',
      '\tlibcudnn.so.9 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.9',
      '\tlibcudart.so.12 (libc6) => /usr/lib/i386-linux-gnu/libcudart.so.12',
    ].join('\n'))
    expect([...cache]).toEqual([['libcudnn.so.9', '/usr/lib/x86_64-linux-gnu/libcudnn.so.9']])
    const check = checkCudaRequirements({ ...noGpu, ldCache: cache })
    expect(check.missing.cudnn).toEqual([])
    expect(check.missing.cuda).toContain('libcudart.so.12')
  })
})
