import { computed, ref, type Ref } from 'vue'
import { splitInput, splitWarning, suggestedHeldOutCount, type ExamplesSeen, type ImportInput, type SplitChoice } from '../dataset-import-input'

function noSplit(): SplitChoice {
  return { kind: 'none', fraction: 0.05, count: null, seed: 42, path: '' }
}

/** The split step: what is held out for validation, checked against the examples read. */
export function useSplitChoice(examplesSeen: Readonly<Ref<ExamplesSeen | null>>) {
  const split = ref<SplitChoice>(noSplit())
  /** The contract's split, or why the choice cannot be used. */
  const validation = computed<ImportInput['validation'] | string>(() => splitInput(split.value, examplesSeen.value))
  const splitProblem = computed(() => (typeof validation.value === 'string' ? validation.value : null))
  const splitAdvice = computed(() => splitWarning(split.value, examplesSeen.value))
  const suggestedCount = computed(() => suggestedHeldOutCount(examplesSeen.value))

  function clear(): void {
    split.value = noSplit()
  }

  return { split, validation, splitProblem, splitAdvice, suggestedCount, clear }
}
