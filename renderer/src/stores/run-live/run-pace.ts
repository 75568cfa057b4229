import { computed, ref, type Ref } from 'vue'
import type { RunEvent } from '../../../../main/contract'
import type { Point } from '../../runs/series'

/**
 * How far the run is and how fast it goes: the step is the newest point of the loss curve, and
 * the ETA and speed are what the newest step event said (they are only known live).
 */
export function useRunPace(series: Readonly<Ref<Record<string, Point[]>>>, maxSteps: Readonly<Ref<number | null>>, active: Readonly<Ref<boolean>>) {
  const pace = ref<{ step: number; etaSeconds: number; tokensPerSecond: number } | null>(null)
  const step = computed(() => series.value.loss?.at(-1)?.step ?? 0)
  const progress = computed(() => (maxSteps.value ? Math.min(1, step.value / maxSteps.value) : 0))
  const etaSeconds = computed(() => (active.value && pace.value ? pace.value.etaSeconds : null))

  function applyStep(event: Extract<RunEvent, { type: 'step' }>): void {
    pace.value = { step: event.step, etaSeconds: event.etaSeconds, tokensPerSecond: event.tokensPerSecond }
  }

  /** Nothing said yet: another run shown, or a resumed one not yet stepping. */
  function clear(): void {
    pace.value = null
  }

  return { pace, step, progress, etaSeconds, applyStep, clear }
}
