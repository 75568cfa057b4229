import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { FolderListing } from '../../../main/contract'
import { api, toApiCallError, transport, type ApiCallError } from '../api'

/** What a Browse… button asks for: a file (of some extensions) or a folder, starting near `start`. */
export interface PathRequest {
  title: string
  kind: 'file' | 'folder'
  /** Files offered, without the dot; empty: any file. */
  extensions?: string[]
  /** What the extensions are, for the filter's label ("Datasets"). */
  filterName?: string
  /** The field's current value: the browser opens there (a file's folder, that file selected). */
  start?: string
}

/**
 * A path chosen by the user, or null when they cancelled: the desktop app's native picker, or in
 * web mode the page's own browser of the server's folders (a browser tab has no dialog that yields
 * a path on the server).
 */
export async function choosePath(request: PathRequest): Promise<string | null> {
  if (transport === 'electron') {
    const extensions = request.extensions ?? []
    const { path } = await api.dialogOpenFile({
      title: request.title,
      directory: request.kind === 'folder',
      filters: extensions.length ? [{ name: request.filterName ?? 'Files', extensions }] : [],
    })
    return path
  }
  return usePathBrowserStore().open(request)
}

/** Web mode's in-page browser: the request it answers, the folder shown, and the path the field holds. */
export const usePathBrowserStore = defineStore('path-browser', () => {
  const request = ref<PathRequest | null>(null)
  const listing = ref<FolderListing | null>(null)
  const loading = ref(false)
  const error = ref<ApiCallError | null>(null)
  /** The text field: what Choose answers. Clicking an entry writes its path here; the user may type any path. */
  const typed = ref('')
  /** The entry the keyboard and a single click are on. */
  const highlighted = ref<string | null>(null)
  const showHidden = ref(false)
  /** The extension filter switched off: every file listed. */
  const allFiles = ref(false)
  /** Where the last choice was made: the next browse opens there when its field is empty. */
  const lastFolder = ref<string | null>(null)
  let answer: ((path: string | null) => void) | null = null
  /** Bumped by every listing asked for and by closing: an answer for an older one is dropped. */
  let asked = 0

  const extensions = computed(() => request.value?.extensions ?? [])
  const entries = computed(() => listing.value?.entries ?? [])
  /** Choose needs something to answer: a file path for a file, any path for a folder. */
  const canChoose = computed(() => {
    const path = typed.value.trim()
    if (!path) return false
    if (request.value?.kind === 'file') return !isFolderShown(path)
    return true
  })

  function isFolderShown(path: string): boolean {
    const folder = listing.value?.path
    return !!folder && path.replace(/[\\/]+$/, '') === folder.replace(/[\\/]+$/, '')
  }

  function open(next: PathRequest): Promise<string | null> {
    // A second Browse… while one is open: the first is answered as cancelled.
    answer?.(null)
    request.value = next
    listing.value = null
    error.value = null
    allFiles.value = false
    typed.value = next.start?.trim() ?? ''
    highlighted.value = null
    const answered = new Promise<string | null>((resolve) => {
      answer = resolve
    })
    void openNear(typed.value)
    return answered
  }

  /**
   * The field's path, else the nearest folder above it that exists (an export folder is chosen before
   * it is made), else where the last choice was made, else home. The field keeps what it held.
   */
  async function openNear(start: string): Promise<void> {
    const candidates = [...(start ? [start, ...foldersAbove(start)] : []), lastFolder.value ?? '', '']
    for (const candidate of candidates) {
      const before = asked
      if (await go(candidate)) {
        if (candidate !== start && start) typed.value = start
        error.value = null
        return
      }
      // Closed, or the user went elsewhere meanwhile: their folder wins.
      if (asked !== before + 1 || !request.value) return
    }
  }

  /** Lists a folder (a file's path lists its folder with the file selected); a refusal keeps the folder shown. */
  async function go(path: string): Promise<FolderListing | null> {
    const kind = request.value?.kind ?? 'file'
    const ticket = ++asked
    const typedBefore = typed.value
    loading.value = true
    try {
      const next = await api.filesList({ path, kind, extensions: allFiles.value ? [] : extensions.value, showHidden: showHidden.value })
      if (ticket !== asked) return null
      listing.value = next
      error.value = null
      highlighted.value = next.selected
      // What the user typed while the folder was on its way stays.
      if (typed.value === typedBefore) {
        typed.value = next.selected ? (next.entries.find((e) => e.name === next.selected)?.path ?? path) : kind === 'folder' ? next.path : ''
      }
      return next
    } catch (caught) {
      if (ticket !== asked) return null
      error.value = toApiCallError(caught, 'filesList')
      return null
    } finally {
      if (ticket === asked) loading.value = false
    }
  }

  /** A single click, or the arrow keys: the entry is highlighted and its path goes in the field. */
  function highlight(name: string): void {
    const entry = entries.value.find((e) => e.name === name)
    if (!entry) return
    highlighted.value = name
    typed.value = entry.path
  }

  function moveHighlight(by: number): void {
    const list = entries.value
    if (!list.length) return
    const at = list.findIndex((e) => e.name === highlighted.value)
    const next = at < 0 ? (by > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + by))
    highlight(list[next].name)
  }

  /** A double click or Enter on an entry: a folder opens, a file is chosen. */
  async function enter(name: string): Promise<void> {
    const entry = entries.value.find((e) => e.name === name)
    if (!entry) return
    if (entry.kind === 'folder') await go(entry.path)
    else finish(entry.path)
  }

  async function up(): Promise<void> {
    const parent = listing.value?.parent
    if (parent) await go(parent)
  }

  /**
   * Enter in the field: a folder typed opens; a file typed is chosen when a file is wanted. A path the
   * browser may not show stays in the field with the reason, and Choose still answers it as typed.
   */
  async function submitTyped(): Promise<void> {
    const path = typed.value.trim()
    if (!path) return
    const shown = await go(path)
    if (shown?.selected && request.value?.kind === 'file') finish(typed.value)
  }

  async function setAllFiles(value: boolean): Promise<void> {
    allFiles.value = value
    await refresh()
  }

  async function setShowHidden(value: boolean): Promise<void> {
    showHidden.value = value
    await refresh()
  }

  async function refresh(): Promise<void> {
    const keep = typed.value
    const shown = await go(listing.value?.path ?? '')
    if (shown) typed.value = keep
  }

  function choose(): void {
    if (canChoose.value) finish(typed.value.trim())
  }

  function cancel(): void {
    finish(null)
  }

  function finish(path: string | null): void {
    if (path !== null && listing.value) lastFolder.value = listing.value.path
    const done = answer
    answer = null
    request.value = null
    asked++
    loading.value = false
    done?.(path)
  }

  /** The folders above a path, nearest first, as far as its first folder (the root of the path is never listed: outside). */
  function foldersAbove(path: string): string[] {
    const above: string[] = []
    let folder = path.replace(/[\\/]+$/, '')
    for (let cut = Math.max(folder.lastIndexOf('/'), folder.lastIndexOf('\\')); cut > 0; cut = Math.max(folder.lastIndexOf('/'), folder.lastIndexOf('\\'))) {
      folder = folder.slice(0, cut)
      above.push(folder)
    }
    return above
  }

  return {
    request, listing, loading, error, typed, highlighted, showHidden, allFiles, lastFolder, extensions, entries, canChoose,
    open, go, highlight, moveHighlight, enter, up, submitTyped, setAllFiles, setShowHidden, choose, cancel,
  }
})
