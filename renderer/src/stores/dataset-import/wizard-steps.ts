import { ref } from 'vue'
import { wizardSteps, type WizardStep } from '../dataset-import-input'

/** What the wizard's steps wait for, as the store knows it. */
export interface StepFacts {
  /** The file's first rows were read, and the last read did not fail. */
  fileRead: boolean
  mappingReady: boolean
  /** Examples rendered with the current choices. */
  sampleReady: boolean
  /** The import's input is complete (the split is usable). */
  importReady: boolean
}

/** Whether the step's work is done, so the wizard may move past it. */
export function stepDone(which: WizardStep, facts: StepFacts): boolean {
  switch (which) {
    case 'file':
      return facts.fileRead
    case 'mapping':
    case 'validation':
      return facts.mappingReady
    case 'preview':
      return facts.mappingReady && facts.sampleReady
    case 'split':
      return facts.importReady
    default: {
      const unknown: never = which
      throw new Error(`unknown step ${String(unknown)}`)
    }
  }
}

/** The step shown, moved forward only past a step that is done. */
export function useWizardSteps(facts: () => StepFacts) {
  const step = ref<WizardStep>('file')

  /** Moves to the next step when the current one is done; false when it stays. */
  function forward(): boolean {
    if (!stepDone(step.value, facts())) return false
    const index = wizardSteps.indexOf(step.value)
    if (index >= wizardSteps.length - 1) return false
    step.value = wizardSteps[index + 1]
    return true
  }

  function back(): void {
    const index = wizardSteps.indexOf(step.value)
    if (index > 0) step.value = wizardSteps[index - 1]
  }

  function clear(): void {
    step.value = 'file'
  }

  return { step, forward, back, clear }
}
