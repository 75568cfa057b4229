// Stands in for renderer/src/api in store tests: every call is a vi.fn the test programs,
// and events are emitted by hand, so stores are tested without a transport.
import { vi } from 'vitest'
import type { Api, CallInput, CallName, CallOutput, JobEvent } from '../../main/contract'

export { ApiCallError, describeApiError, toApiCallError } from '../../renderer/src/api/errors'

type CallMock<N extends CallName> = ReturnType<typeof vi.fn<(input: CallInput<N>) => Promise<CallOutput<N>>>>

const jobListeners = new Set<(event: JobEvent) => void>()
const reconnectListeners = new Set<() => void>()

export const fake = {
  systemInfo: vi.fn() as CallMock<'systemInfo'>,
  runsList: vi.fn() as CallMock<'runsList'>,
  jobsStart: vi.fn() as CallMock<'jobsStart'>,
  jobsCancel: vi.fn() as CallMock<'jobsCancel'>,
  jobsList: vi.fn() as CallMock<'jobsList'>,
  datasetsImport: vi.fn() as CallMock<'datasetsImport'>,
  datasetsList: vi.fn() as CallMock<'datasetsList'>,
  datasetsShow: vi.fn() as CallMock<'datasetsShow'>,
  datasetsPreview: vi.fn() as CallMock<'datasetsPreview'>,
  emit(event: JobEvent): void {
    jobListeners.forEach((listener) => listener(event))
  },
  reconnect(): void {
    reconnectListeners.forEach((listener) => listener())
  },
  listenerCount(): number {
    return jobListeners.size
  },
  reset(): void {
    for (const mock of [
      fake.systemInfo,
      fake.runsList,
      fake.jobsStart,
      fake.jobsCancel,
      fake.jobsList,
      fake.datasetsImport,
      fake.datasetsList,
      fake.datasetsShow,
      fake.datasetsPreview,
    ]) {
      mock.mockReset()
    }
    jobListeners.clear()
    reconnectListeners.clear()
  },
}

export const api: Api = {
  systemInfo: (input) => fake.systemInfo(input),
  runsList: (input) => fake.runsList(input),
  jobsStart: (input) => fake.jobsStart(input),
  jobsCancel: (input) => fake.jobsCancel(input),
  jobsList: (input) => fake.jobsList(input),
  datasetsImport: (input) => fake.datasetsImport(input),
  datasetsList: (input) => fake.datasetsList(input),
  datasetsShow: (input) => fake.datasetsShow(input),
  datasetsPreview: (input) => fake.datasetsPreview(input),
  onJobEvent: (listener) => {
    jobListeners.add(listener)
    return () => jobListeners.delete(listener)
  },
}

export const transport = 'web'

export function onEventsReconnected(listener: () => void): () => void {
  reconnectListeners.add(listener)
  return () => reconnectListeners.delete(listener)
}
