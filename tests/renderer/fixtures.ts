import type { JobInfo, PlaygroundAnswer, PlaygroundResult, RunSummary, SettingsState, SystemInfo, SystemProbeResult } from '../../main/contract'

export function systemInfo(overrides: Partial<SystemInfo> = {}): SystemInfo {
  return {
    appVersion: '0.1.0',
    os: { platform: 'linux', release: '6.8.0', arch: 'x64' },
    cpu: { model: 'Test CPU', cores: 8 },
    memory: { totalBytes: 16 * 2 ** 30, freeBytes: 8 * 2 ** 30 },
    node: 'v20.20.2',
    onnxruntime: '1.30.0',
    providers: [
      { name: 'cpu', available: true, reason: 'always present' },
      { name: 'cuda', available: false, reason: 'libcudart.so.12 not found' },
    ],
    autoDevice: { provider: 'cpu', sentence: 'Runs will train on the CPU: no GPU provider is available here (CUDA: no NVIDIA GPU; WebGPU: no GPU device).' },
    cuda: { state: 'no-nvidia-gpu', offered: false, detail: 'No NVIDIA GPU here.', folder: '/home/test/.mixture-studio/runtimes/onnxruntime-1.30.0-cuda12', driver: null, missing: null },
    dataDir: '/home/test/.mixture-studio',
    ...overrides,
  }
}

export function runningJob(id: string, overrides: Partial<JobInfo> = {}): JobInfo {
  return {
    id, kind: 'system-probe', state: 'running', startedAt: '2025-01-01T10:00:00.000Z',
    endedAt: null, error: null, ...overrides,
  }
}

export const probeResult: SystemProbeResult = {
  onnxruntime: '1.30.0',
  providers: [
    { name: 'cpu', available: true, reason: 'created a session and ran a test model in 3 ms' },
    { name: 'cuda', available: false, reason: 'libcudart.so.12 not found' },
  ],
  skipped: [],
}

export function run(id: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id, name: `run ${id}`, status: 'completed', method: 'mov', modelId: 'm1', datasetId: 'd1',
    createdAt: '2025-01-01T10:00:00.000Z', startedAt: '2025-01-01T10:00:01.000Z',
    finishedAt: '2025-01-01T11:00:00.000Z', error: null, resumedFrom: null, trainingSeconds: 3599, segmentStartedAt: null, trainedOn: 'cpu, float32',
    totalSteps: null, bestStep: null, stoppedEarly: false, ...overrides,
  }
}

export function settingsState(overrides: Partial<SettingsState['settings']> = {}): SettingsState {
  return {
    settings: { theme: 'system', defaultDevice: 'auto', curveSmoothing: 0.6, walkthroughDismissed: false, runsAtOncePerDevice: 1, notifyWhenDone: true, ...overrides },
    dataDir: '/home/test/.mixture-studio',
    file: '/home/test/.mixture-studio/settings.json',
    problem: null,
  }
}

export function playgroundAnswer(text: string, overrides: Partial<PlaygroundAnswer> = {}): PlaygroundAnswer {
  return { text, tokens: 2, finishReason: 'stop', tokensPerSecond: 10, ...overrides }
}

/** Both answers generated on the CPU, as on a machine without a GPU. */
export function playgroundResult(overrides: Partial<PlaygroundResult> = {}): PlaygroundResult {
  return {
    model: '/models/tiny', promptTokens: 1, template: null, base: playgroundAnswer(' world'), adapted: playgroundAnswer(' sea'),
    adapter: { path: '/runs/r1/adapter', method: 'lora', label: 'final adapter' }, provider: 'cpu', device: 'cpu, float32', notUsed: [], ...overrides,
  }
}
