import { computed, ref } from 'vue'
import type { DatasetPreview } from '../../../../main/contract'
import { api, ApiCallError, toApiCallError } from '../../api'
import { scanProblems, type DatasetFormat, type ExamplesSeen } from '../dataset-import-input'

/** Rows read to check the file and offer its columns (the contract's preview maximum). */
export const SCAN_ROWS = 500

/**
 * The file, its format and its column mapping, and the first rows read with them: read again on
 * every change, late answers to superseded reads dropped so quick changes never show stale rows.
 * `onScanned` hears of every new read, whose rows replace what was rendered from the old ones.
 */
export function useFileScan(onScanned: () => void) {
  const path = ref('')
  /** The user's choices; null / empty = what detection found. */
  const format = ref<DatasetFormat | null>(null)
  const mappingOverrides = ref<Record<string, string>>({})

  const scan = ref<DatasetPreview | null>(null)
  const scanning = ref(false)
  const scanError = ref<ApiCallError | null>(null)
  let scanTicket = 0

  const problems = computed(() => scanProblems(scan.value))
  /** The scan read every row: fewer came back than it asked for. */
  const scannedWholeFile = computed(() => (scan.value ? scan.value.rows.length < SCAN_ROWS : false))
  /** A format and a mapping the import can use. */
  const mappingReady = computed(() => !!scan.value && scan.value.format !== null && scan.value.mappingProblem === null)
  /** The usable examples among the rows read (exact when the whole file was read). */
  const examplesSeen = computed<ExamplesSeen | null>(() => (scan.value ? { seen: scan.value.rows.length - problems.value.length, exact: scannedWholeFile.value } : null))

  /** What the previews are asked for: only what the user changed, so detection does the rest. */
  function previewSpec() {
    return {
      path: path.value.trim(),
      ...(format.value ? { format: format.value } : {}),
      ...(Object.keys(mappingOverrides.value).length ? { mapping: { ...mappingOverrides.value } } : {}),
    }
  }

  /** Reads the first rows of the file with the current format and mapping. */
  async function inspect(): Promise<boolean> {
    const ticket = ++scanTicket
    if (!path.value.trim()) {
      scanError.value = new ApiCallError('invalid_input', 'Give the path of the data file to import.')
      return false
    }
    scanning.value = true
    try {
      const result = await api.datasetsPreview({ ...previewSpec(), limit: SCAN_ROWS })
      if (ticket !== scanTicket) return false
      scan.value = result
      scanError.value = null
      onScanned()
      return true
    } catch (error) {
      if (ticket !== scanTicket) return false
      scanError.value = toApiCallError(error, 'datasetsPreview')
      return false
    } finally {
      if (ticket === scanTicket) scanning.value = false
    }
  }

  /** A different file: what was chosen for the last one no longer applies. False when it is the same file. */
  function setPath(value: string): boolean {
    if (value.trim() === path.value.trim()) return false
    path.value = value
    format.value = null
    mappingOverrides.value = {}
    scan.value = null
    scanError.value = null
    return true
  }

  async function chooseFormat(value: DatasetFormat): Promise<void> {
    format.value = value
    // Each format has its own fields: mappings made for the previous one do not carry over.
    mappingOverrides.value = {}
    await inspect()
  }

  async function mapField(field: string, column: string): Promise<void> {
    mappingOverrides.value = { ...mappingOverrides.value, [field]: column }
    await inspect()
  }

  function clear(): void {
    scanTicket++
    path.value = ''
    format.value = null
    mappingOverrides.value = {}
    scan.value = null
    scanning.value = false
    scanError.value = null
  }

  return {
    path, format, mappingOverrides, scan, scanning, scanError, problems, scannedWholeFile, mappingReady, examplesSeen,
    previewSpec, inspect, setPath, chooseFormat, mapField, clear,
  }
}
