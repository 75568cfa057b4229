import { z } from 'zod'

/** One onnxruntime execution provider and whether it can run on this machine. */
export const ExecutionProviderStatus = z.object({
  name: z.enum(['cpu', 'cuda', 'webgpu', 'dml', 'tensorrt', 'coreml']),
  available: z.boolean(),
  /** Why it is unavailable, or what was checked when it is available. */
  reason: z.string(),
})
export type ExecutionProviderStatus = z.infer<typeof ExecutionProviderStatus>

/** Which device `device: auto` trains on here, and why (main/runtime/auto-device.ts). */
export const AutoDeviceSummary = z.object({
  provider: z.enum(['cuda', 'dml', 'webgpu', 'cpu']),
  sentence: z.string(),
})
export type AutoDeviceSummary = z.infer<typeof AutoDeviceSummary>

/**
 * CUDA support the app installs into its data folder (Linux x64 with an NVIDIA GPU):
 * - `other-platform`: not Linux x64 (Windows uses DirectML, macOS WebGPU on Metal);
 * - `no-nvidia-gpu`: no /dev/nvidia0, no /proc/driver/nvidia/version, no nvidia-smi;
 * - `beside-onnxruntime`: the provider libraries were installed into node_modules (`npm rebuild`);
 * - `installed`: the data folder's runtime is complete for this onnxruntime version;
 * - `unusable`: a folder is there but cannot be used (another version's, or a file missing);
 * - `not-installed`: an NVIDIA GPU and nothing installed.
 */
export const CudaSupport = z.object({
  state: z.enum(['other-platform', 'no-nvidia-gpu', 'beside-onnxruntime', 'installed', 'unusable', 'not-installed']),
  /** Whether the System page offers "Install CUDA support" (not-installed and unusable). */
  offered: z.boolean(),
  /** One sentence on the state: where it is installed, or what is wrong with the folder. */
  detail: z.string(),
  /** The data folder's runtime folder (Linux x64), installed or not. */
  folder: z.string().nullable(),
  /** The NVIDIA driver's version, when one is found. */
  driver: z.string().nullable(),
  /** What CUDA 12 still lacks on this machine (driver, CUDA 12 runtime, cuDNN 9), or null. */
  missing: z.string().nullable(),
})
export type CudaSupport = z.infer<typeof CudaSupport>

/** The `cuda-install` job's result. */
export const CudaInstallResult = z.object({
  folder: z.string(),
  onnxruntime: z.string(),
  package: z.object({ id: z.string(), version: z.string(), sha512: z.string().nullable() }),
  /** The folder was complete already: nothing was downloaded. */
  alreadyInstalled: z.boolean(),
})
export type CudaInstallResult = z.infer<typeof CudaInstallResult>

/** The `cuda-check` job's result: whether a CUDA session opened and ran on the installed runtime. */
export const CudaCheckResult = z.object({
  ok: z.boolean(),
  /** What ran, or what is missing and what to install. */
  message: z.string(),
  /** The runtime folder whose binding the check loaded, or null when none could be. */
  folder: z.string().nullable(),
})
export type CudaCheckResult = z.infer<typeof CudaCheckResult>

export const SystemInfo = z.object({
  appVersion: z.string(),
  os: z.object({ platform: z.string(), release: z.string(), arch: z.string() }),
  cpu: z.object({ model: z.string(), cores: z.number().int() }),
  memory: z.object({ totalBytes: z.number(), freeBytes: z.number() }),
  node: z.string(),
  onnxruntime: z.string(),
  providers: z.array(ExecutionProviderStatus),
  autoDevice: AutoDeviceSummary,
  cuda: CudaSupport,
  dataDir: z.string(),
})
export type SystemInfo = z.infer<typeof SystemInfo>
