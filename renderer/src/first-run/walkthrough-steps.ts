// The first-run walkthrough as plain data: which of its three steps (a model, a dataset, a first
// run) are done, which comes next, and what each done step settled on. The page shows it; the
// store (stores/first-run.ts) feeds it the lists it already reads.
import type { DatasetSummary, ModelSummary, RunSummary } from '../../../main/contract'

export type WalkthroughStepId = 'model' | 'dataset' | 'run'

/**
 * done: it has what it needs; next: the one to do now; later: after an earlier step (a dataset may
 * still be added first; only the run needs both before it).
 */
export type WalkthroughStepState = 'done' | 'next' | 'later'

export interface WalkthroughStep {
  id: WalkthroughStepId
  state: WalkthroughStepState
}

export interface WalkthroughInput {
  models: readonly ModelSummary[]
  datasets: readonly DatasetSummary[]
  runs: readonly RunSummary[]
  /** What the user picked in the walkthrough (made the demo model, used the sample), when it is still there. */
  chosenModelId?: string | null
  chosenDatasetId?: string | null
}

export interface Walkthrough {
  steps: WalkthroughStep[]
  /** The step to do now; null once there is a run. */
  next: WalkthroughStepId | null
  /** The model the first run will use: the one chosen here, else the newest. */
  model: ModelSummary | null
  dataset: DatasetSummary | null
}

export function walkthrough(input: WalkthroughInput): Walkthrough {
  const model = chosenOrNewest(input.models, input.chosenModelId)
  // A separate validation file is imported as its own record, listed under the dataset it validates: never a training set to offer.
  const validationIds = new Set(input.datasets.map((d) => d.validationDatasetId).filter((id) => id !== null))
  const dataset = chosenOrNewest(input.datasets.filter((d) => !validationIds.has(d.id)), input.chosenDatasetId)
  const done: Record<WalkthroughStepId, boolean> = { model: model !== null, dataset: dataset !== null, run: input.runs.length > 0 }
  const order: WalkthroughStepId[] = ['model', 'dataset', 'run']
  const next = done.run ? null : order.find((id) => !done[id]) ?? null
  const steps = order.map((id): WalkthroughStep => ({ id, state: done[id] ? 'done' : id === next ? 'next' : 'later' }))
  return { steps, next, model, dataset }
}

/**
 * Shown on an empty studio: no run yet (a run made anywhere, the CLI too, ends it), unless the user
 * closed it. Hidden until every list has answered, so it does not flash up on a studio with runs.
 */
export function walkthroughShown(state: { loaded: boolean; runs: readonly RunSummary[]; dismissed: boolean }): boolean {
  return state.loaded && state.runs.length === 0 && !state.dismissed
}

function chosenOrNewest<T extends { id: string; createdAt: string }>(items: readonly T[], chosenId: string | null | undefined): T | null {
  const chosen = chosenId ? items.find((item) => item.id === chosenId) : undefined
  if (chosen) return chosen
  return items.reduce<T | null>((newest, item) => (newest === null || item.createdAt > newest.createdAt ? item : newest), null)
}
