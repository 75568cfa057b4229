// Stands in for renderer/src/api in store tests: every call is a vi.fn the test programs,
// and events are emitted by hand, so stores are tested without a transport. The mocks are
// made from the contract's call list, so a new call is faked as soon as it is declared.
import { vi } from 'vitest'
import type { Api, CallInput, CallName, CallOutput, JobEvent, RunEvent } from '../../main/contract'
import { callNames } from '../../main/contract/names'

export { ApiCallError, describeApiError, toApiCallError } from '../../renderer/src/api/errors'

type CallMock<N extends CallName> = ReturnType<typeof vi.fn<(input: CallInput<N>) => Promise<CallOutput<N>>>>
type CallMocks = { [N in CallName]: CallMock<N> }

const jobListeners = new Set<(event: JobEvent) => void>()
const runListeners = new Set<(event: RunEvent) => void>()
const reconnectListeners = new Set<() => void>()

const mocks = Object.fromEntries(callNames.map((name) => [name, vi.fn()])) as unknown as CallMocks

export const fake = Object.assign(mocks, {
  emit(event: JobEvent): void {
    jobListeners.forEach((listener) => listener(event))
  },
  emitRun(event: RunEvent): void {
    runListeners.forEach((listener) => listener(event))
  },
  runListenerCount(): number {
    return runListeners.size
  },
  reconnect(): void {
    reconnectListeners.forEach((listener) => listener())
  },
  listenerCount(): number {
    return jobListeners.size
  },
  reset(): void {
    for (const name of callNames) mocks[name].mockReset()
    // The import wizard asks this on every Next from its file step; unprogrammed, nothing was imported before.
    mocks.datasetsFindImported.mockResolvedValue([])
    // New run asks this as its form changes; unprogrammed, the service finds nothing to refuse.
    mocks.runsCheck.mockResolvedValue({ problems: [] })
    jobListeners.clear()
    runListeners.clear()
    reconnectListeners.clear()
  },
})

const calls = Object.fromEntries(
  callNames.map((name) => [name, (input: never) => (mocks[name] as (input: never) => Promise<unknown>)(input)]),
)

export const api = {
  ...calls,
  onJobEvent: (listener: (event: JobEvent) => void) => {
    jobListeners.add(listener)
    return () => jobListeners.delete(listener)
  },
  onRunEvent: (listener: (event: RunEvent) => void) => {
    runListeners.add(listener)
    return () => runListeners.delete(listener)
  },
} as unknown as Api

export const transport: 'web' | 'electron' = 'web'

export function onEventsReconnected(listener: () => void): () => void {
  reconnectListeners.add(listener)
  return () => reconnectListeners.delete(listener)
}
