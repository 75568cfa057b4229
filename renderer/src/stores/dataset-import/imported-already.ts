import { ref } from 'vue'
import type { ImportedAlready } from '../../../../main/contract'
import { api } from '../../api'

/** Datasets read from this file before (same path or same content): the wizard says so, and still imports. */
export function useImportedAlready() {
  const importedAlready = ref<ImportedAlready[]>([])
  let ticket = 0

  /**
   * Asks which datasets came from this file. Only advice: a failed check shows nothing rather than
   * stopping an import the user may want (the same file with other options).
   */
  async function find(path: string): Promise<void> {
    const asked = ++ticket
    let found: ImportedAlready[] = []
    try {
      found = await api.datasetsFindImported({ path: path.trim() })
    } catch {
      found = []
    }
    if (asked === ticket) importedAlready.value = found
  }

  /** Another file: an answer still on its way was about the old one. */
  function clear(): void {
    ticket++
    importedAlready.value = []
  }

  return { importedAlready, find, clear }
}
