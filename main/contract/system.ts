import { z } from 'zod'

/** One onnxruntime execution provider and whether it can run on this machine. */
export const ExecutionProviderStatus = z.object({
  name: z.enum(['cpu', 'cuda', 'webgpu', 'dml', 'tensorrt', 'coreml']),
  available: z.boolean(),
  /** Why it is unavailable, or what was checked when it is available. */
  reason: z.string(),
})
export type ExecutionProviderStatus = z.infer<typeof ExecutionProviderStatus>

export const SystemInfo = z.object({
  appVersion: z.string(),
  os: z.object({ platform: z.string(), release: z.string(), arch: z.string() }),
  cpu: z.object({ model: z.string(), cores: z.number().int() }),
  memory: z.object({ totalBytes: z.number(), freeBytes: z.number() }),
  node: z.string(),
  onnxruntime: z.string(),
  providers: z.array(ExecutionProviderStatus),
  dataDir: z.string(),
})
export type SystemInfo = z.infer<typeof SystemInfo>
