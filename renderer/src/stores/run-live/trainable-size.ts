import { ref, type Ref } from 'vue'
import { RunConfig } from '../../../../main/contract'
import { api } from '../../api'

/** Trainable parameters and their share of the base model (runsEstimate on the run's own config). */
export function useTrainableSize(runId: Readonly<Ref<string | null>>) {
  const size = ref<{ trainable: number; percent: number } | null>(null)

  /**
   * Asks once per run: the adapter's size is a fact of its configuration. A model folder gone
   * since (or a config this version cannot read) leaves it unknown.
   */
  async function measure(id: string, runConfig: unknown): Promise<void> {
    if (size.value) return
    const parsed = RunConfig.safeParse(runConfig)
    if (!parsed.success) return
    try {
      const estimate = await api.runsEstimate({ config: parsed.data })
      if (id === runId.value) size.value = { trainable: estimate.trainableParameters, percent: estimate.trainablePercent }
    } catch {
      // The page still shows everything else; the figure is simply absent.
    }
  }

  function clear(): void {
    size.value = null
  }

  return { size, measure, clear }
}
