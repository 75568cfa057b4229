// What onnxruntime's CUDA provider needs from the machine, checked without loading it: the NVIDIA
// driver, the CUDA 12 runtime libraries and cuDNN 9. The provider library links them dynamically,
// so a missing one only shows as onnxruntime's "Failed to load library libonnxruntime_providers_cuda.so"
// with dlerror's first missing name; this names all of them, and what to install.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** CUDA 12 needs this driver or newer on Linux (NVIDIA's CUDA Toolkit release notes, table 3). */
export const MIN_CUDA12_DRIVER = '525.60.13'

/**
 * The shared libraries onnxruntime's CUDA 12 provider loads (ORT's CUDA EP requirements: CUDA 12.x,
 * cuDNN 9.x; the sonames are those of cudart, cuBLAS, cuBLASLt, cuFFT and cuRAND shipped with CUDA 12).
 */
export const CUDA12_LIBRARIES: readonly { soname: string; part: 'cuda' | 'cudnn' }[] = [
  { soname: 'libcudart.so.12', part: 'cuda' },
  { soname: 'libcublas.so.12', part: 'cuda' },
  { soname: 'libcublasLt.so.12', part: 'cuda' },
  { soname: 'libcufft.so.11', part: 'cuda' },
  { soname: 'libcurand.so.10', part: 'cuda' },
  { soname: 'libcudnn.so.9', part: 'cudnn' },
]

/** Where NVIDIA's driver shows itself, and where shared libraries are looked for. */
export interface CudaMachine {
  /** /dev/nvidia0 exists. */
  deviceNode: boolean
  /** The text of /proc/driver/nvidia/version, or null. */
  procVersion: string | null
  /** `nvidia-smi --query-gpu=driver_version` answered this, or null (absent or failed). */
  smiDriverVersion: string | null
  /** soname -> path, from `ldconfig -p` (the ld.so cache). */
  ldCache: ReadonlyMap<string, string>
  /** Folders searched besides the cache: LD_LIBRARY_PATH, then /usr/local/cuda*\/lib64. */
  libraryDirs: readonly string[]
}

export function hasNvidiaGpu(machine: CudaMachine): boolean {
  return machine.deviceNode || machine.procVersion !== null || machine.smiDriverVersion !== null
}

/** The driver version: /proc/driver/nvidia/version's "Kernel Module  535.104.05", else nvidia-smi's. */
export function nvidiaDriverVersion(machine: CudaMachine): string | null {
  const fromProc = machine.procVersion && /Kernel Module(?: for \S+)?\s+(\d+\.\d+(?:\.\d+)?)/.exec(machine.procVersion)?.[1]
  return fromProc || machine.smiDriverVersion
}

export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number)
  const b = minimum.split('.').map(Number)
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x, y] = [a[i] ?? 0, b[i] ?? 0]
    if (x !== y) return x > y
  }
  return true
}

/** Where `soname` would be loaded from, or null. */
export function findLibrary(machine: CudaMachine, soname: string): string | null {
  const cached = machine.ldCache.get(soname)
  if (cached) return cached
  for (const dir of machine.libraryDirs) if (existsSync(join(dir, soname))) return join(dir, soname)
  return null
}

export interface CudaRequirements {
  driver: string | null
  missing: { driver: string | null; cuda: string[]; cudnn: string[] }
  /** Null when nothing is missing; else one sentence per missing part, with what to install. */
  problem: string | null
}

export function checkCudaRequirements(machine: CudaMachine): CudaRequirements {
  const driver = nvidiaDriverVersion(machine)
  const driverProblem =
    driver === null
      ? 'the NVIDIA driver: none found (no /proc/driver/nvidia/version, no nvidia-smi); install NVIDIA\'s driver ' + `${MIN_CUDA12_DRIVER} or newer`
      : versionAtLeast(driver, MIN_CUDA12_DRIVER)
        ? null
        : `a newer NVIDIA driver: this one is ${driver}, CUDA 12 needs ${MIN_CUDA12_DRIVER} or newer`
  const absent = (part: 'cuda' | 'cudnn') => CUDA12_LIBRARIES.filter((lib) => lib.part === part && !findLibrary(machine, lib.soname)).map((lib) => lib.soname)
  const cuda = absent('cuda')
  const cudnn = absent('cudnn')
  const searched = `searched the ld.so cache${machine.libraryDirs.length ? `, ${machine.libraryDirs.join(', ')}` : ''}`
  const parts = [
    ...(driverProblem ? [driverProblem] : []),
    ...(cuda.length ? [`the CUDA 12 runtime: ${cuda.join(', ')} not found (${searched}); install CUDA 12's libraries (NVIDIA's cuda-libraries-12-x package, or the CUDA 12 toolkit)`] : []),
    ...(cudnn.length ? [`cuDNN 9: ${cudnn.join(', ')} not found; install cuDNN 9 for CUDA 12 (NVIDIA's cudnn9-cuda-12 package)`] : []),
  ]
  return {
    driver,
    missing: { driver: driverProblem, cuda, cudnn },
    problem: parts.length ? `CUDA cannot run on this machine yet. Missing: ${parts.join('; ')}. Install what is missing, then try again.` : null,
  }
}

/** The facts of this machine (Linux). */
export function readCudaMachine(env: Readonly<Record<string, string | undefined>> = process.env): CudaMachine {
  const procVersion = readOrNull('/proc/driver/nvidia/version')
  return {
    deviceNode: existsSync('/dev/nvidia0'),
    procVersion,
    // Only asked when the kernel module does not say: nvidia-smi talks to the GPU and can take seconds.
    smiDriverVersion: procVersion ? null : smiDriverVersion(),
    ldCache: readLdCache(),
    libraryDirs: [...(env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean), ...cudaToolkitDirs()],
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

function smiDriverVersion(): string | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] })
    return /^\s*(\d+\.\d+(?:\.\d+)?)/.exec(out)?.[1] ?? null
  } catch {
    return null
  }
}

/** `ldconfig -p` lines: "\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12". */
export function parseLdCache(text: string): Map<string, string> {
  const cache = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^\s*(\S+) \(([^)]*)\) => (\S+)/.exec(line)
    if (match && !cache.has(match[1]) && /x86-64/.test(match[2])) cache.set(match[1], match[3])
  }
  return cache
}

function readLdCache(): Map<string, string> {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return parseLdCache(execFileSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }))
    } catch {
      // not there: the next place
    }
  }
  return new Map()
}

/** /usr/local/cuda*\/lib64, where NVIDIA's installer puts the toolkit. */
function cudaToolkitDirs(): string[] {
  try {
    return readdirSync('/usr/local').filter((name) => /^cuda/.test(name)).map((name) => join('/usr/local', name, 'lib64'))
  } catch {
    return []
  }
}
