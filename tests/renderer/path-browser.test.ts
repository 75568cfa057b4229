// @vitest-environment happy-dom
// Web mode's in-page browser mounted whole on the fake api: a Browse… request opens it, the
// server's listing shows as crumbs and rows, and mouse, keyboard and typing choose a path.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import type { FileEntry, FolderListing } from '../../main/contract'
import { ApiCallError, fake } from './fake-api'
import { mountedPerTest } from './mounted-per-test'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { default: PathBrowserDialog } = await import('../../renderer/src/components/path-browser/PathBrowserDialog.vue')
const { choosePath, usePathBrowserStore } = await import('../../renderer/src/stores/path-browser')
const { crumbsOf } = await import('../../renderer/src/components/path-browser/crumbs')

const roots = [{ label: 'Home', path: '/home/ada' }, { label: 'Data folder', path: '/home/ada/.local/share/mixture-studio' }]

function entry(folder: string, name: string, kind: 'file' | 'folder', extra: Partial<FileEntry> = {}): FileEntry {
  return { name, path: `${folder}/${name}`, kind, size: kind === 'file' ? 2048 : null, modified: Date.UTC(2026, 10, 30, 14, 5), looksLikeModel: false, ...extra }
}

function listing(path: string, entries: FileEntry[], extra: Partial<FolderListing> = {}): FolderListing {
  const parent = path === '/home/ada' ? null : path.slice(0, path.lastIndexOf('/'))
  return { path, parent, roots, entries, omitted: 0, selected: null, looksLikeModel: false, ...extra }
}

const home = listing('/home/ada', [entry('/home/ada', 'data', 'folder'), entry('/home/ada', 'models', 'folder'), entry('/home/ada', 'notes.txt', 'file')])
const models = listing('/home/ada/models', [entry('/home/ada/models', 'notes', 'folder'), entry('/home/ada/models', 'tiny-qwen', 'folder', { looksLikeModel: true })])
const data = listing('/home/ada/data', [entry('/home/ada/data', 'train.jsonl', 'file')])
const byPath: Record<string, FolderListing> = { '': home, '/home/ada': home, '/home/ada/models': models, '/home/ada/data': data }

const mounted = mountedPerTest()

function mountDialog(): VueWrapper {
  return mounted.keep(mount(PathBrowserDialog, { attachTo: document.body }))
}

/** The modal is teleported to the body, outside the wrapper's own element. */
function find(selector: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(selector)
  if (!found) throw new Error(`the browser shows no ${selector}`)
  return found
}

function rows(): { name: string; kind: string; model: boolean }[] {
  return [...document.querySelectorAll<HTMLElement>('[data-testid=path-browser-list] [role=option]')].map((row) => ({
    name: row.dataset.name ?? '', kind: row.dataset.kind ?? '', model: row.textContent?.includes('model') ?? false,
  }))
}

async function typePath(text: string): Promise<HTMLInputElement> {
  const input = find('[data-testid=path-browser-path] input') as HTMLInputElement
  input.value = text
  input.dispatchEvent(new Event('input'))
  await flushPromises()
  return input
}

function key(target: HTMLElement, name: string): void {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true }))
}

describe('the in-page path browser', () => {
  beforeEach(() => {
    fake.filesList.mockImplementation(async ({ path }) => {
      const shown = byPath[path ?? '']
      if (!shown) throw new ApiCallError('forbidden', `${path} is outside the folders this browser shows: home /home/ada and data folder /home/ada/.local/share/mixture-studio.`)
      return shown
    })
  })

  it('chooses a model folder: opens folders on a double click, marks models, and answers the folder clicked', async () => {
    mountDialog()
    const chosen = choosePath({ title: 'Choose a Hugging Face model folder', kind: 'folder' })
    await flushPromises()
    expect(fake.filesList).toHaveBeenLastCalledWith({ path: '', kind: 'folder', extensions: [], showHidden: false })
    expect(find('[data-testid=path-browser]').textContent).toContain('Choose a Hugging Face model folder')
    expect(find('[data-testid=path-browser-crumbs]').textContent).toBe('Home')
    find('[data-name=models]').dispatchEvent(new MouseEvent('dblclick', { bubbles: true }))
    await flushPromises()
    expect(find('[data-testid=path-browser-crumbs]').textContent?.replace(/\s/g, '')).toBe('Home/models')
    expect(rows()).toEqual([{ name: 'notes', kind: 'folder', model: false }, { name: 'tiny-qwen', kind: 'folder', model: true }])
    find('[data-name=tiny-qwen]').click()
    await flushPromises()
    expect((find('[data-testid=path-browser-path] input') as HTMLInputElement).value).toBe('/home/ada/models/tiny-qwen')
    find('[data-testid=path-browser-choose]').click()
    expect(await chosen).toBe('/home/ada/models/tiny-qwen')
    expect(usePathBrowserStore().request).toBeNull()
  })

  it('chooses a file with the keyboard: arrows move, Enter opens a folder then chooses a file, Backspace goes up', async () => {
    mountDialog()
    const chosen = choosePath({ title: 'Choose a data file', kind: 'file', extensions: ['jsonl', 'csv'], filterName: 'data files' })
    await flushPromises()
    expect(fake.filesList).toHaveBeenLastCalledWith({ path: '', kind: 'file', extensions: ['jsonl', 'csv'], showHidden: false })
    expect(find('[data-testid=path-browser-choose]').hasAttribute('disabled')).toBe(true)
    const list = find('[data-testid=path-browser-list]')
    key(list, 'ArrowDown')
    key(list, 'ArrowDown')
    await flushPromises()
    expect(find('[aria-selected=true]').dataset.name).toBe('models')
    key(list, 'Enter')
    await flushPromises()
    expect(fake.filesList).toHaveBeenLastCalledWith(expect.objectContaining({ path: '/home/ada/models' }))
    key(list, 'Backspace')
    await flushPromises()
    expect(fake.filesList).toHaveBeenLastCalledWith(expect.objectContaining({ path: '/home/ada' }))
    key(list, 'ArrowUp')
    await flushPromises()
    expect(find('[aria-selected=true]').dataset.name).toBe('notes.txt')
    key(list, 'Enter')
    expect(await chosen).toBe('/home/ada/notes.txt')
  })

  it('lists every file once its filter is switched off', async () => {
    mountDialog()
    void choosePath({ title: 'Choose a data file', kind: 'file', extensions: ['jsonl'], filterName: 'data files' })
    await flushPromises()
    expect(find('[data-testid=path-browser-filter]').textContent).toContain('Only data files (.jsonl)')
    find('[data-testid=path-browser-filter]').click()
    await flushPromises()
    expect(fake.filesList).toHaveBeenLastCalledWith({ path: '/home/ada', kind: 'file', extensions: [], showHidden: false })
  })

  it('goes to a typed folder on Enter, and chooses a typed file at once', async () => {
    mountDialog()
    const chosen = choosePath({ title: 'Choose a data file', kind: 'file' })
    await flushPromises()
    const input = await typePath('/home/ada/data')
    key(input, 'Enter')
    await flushPromises()
    expect(rows().map((r) => r.name)).toEqual(['train.jsonl'])
    byPath['/home/ada/data/train.jsonl'] = { ...data, selected: 'train.jsonl' }
    key(await typePath('/home/ada/data/train.jsonl'), 'Enter')
    expect(await chosen).toBe('/home/ada/data/train.jsonl')
  })

  it('shows the server\'s refusal of a path outside home and the data folder, and Choose still answers what was typed', async () => {
    mountDialog()
    const chosen = choosePath({ title: 'Choose a data file', kind: 'file' })
    await flushPromises()
    key(await typePath('/etc/passwd'), 'Enter')
    await flushPromises()
    expect(find('[data-testid=path-browser-error]').textContent).toContain('/etc/passwd is outside the folders this browser shows')
    expect(rows().map((r) => r.name)).toEqual(['data', 'models', 'notes.txt'])
    find('[data-testid=path-browser-choose]').click()
    expect(await chosen).toBe('/etc/passwd')
  })

  it('keeps a path typed while the first folder is on its way', async () => {
    let answer: (listing: FolderListing) => void = () => {}
    fake.filesList.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
    mountDialog()
    const chosen = choosePath({ title: 'Choose a multiple-choice file', kind: 'file' })
    await flushPromises()
    await typePath('/srv/shared/arc.jsonl')
    answer(home)
    await flushPromises()
    expect(rows().map((r) => r.name)).toEqual(['data', 'models', 'notes.txt'])
    find('[data-testid=path-browser-choose]').click()
    expect(await chosen).toBe('/srv/shared/arc.jsonl')
  })

  it('opens at the field\'s path, or the nearest folder above it that exists, keeping the field as it was', async () => {
    mountDialog()
    const chosen = choosePath({ title: 'Choose the folder to export into', kind: 'folder', start: '/home/ada/models/exports/run-1-peft' })
    await flushPromises()
    expect(fake.filesList.mock.calls.map(([input]) => input.path)).toEqual(['/home/ada/models/exports/run-1-peft', '/home/ada/models/exports', '/home/ada/models'])
    expect(document.querySelector('[data-testid=path-browser-error]')).toBeNull()
    expect((find('[data-testid=path-browser-path] input') as HTMLInputElement).value).toBe('/home/ada/models/exports/run-1-peft')
    find('[data-testid=path-browser-cancel]').click()
    expect(await chosen).toBeNull()
  })
})

describe('crumbsOf', () => {
  it('names the deepest root holding the folder, then each folder below it', () => {
    expect(crumbsOf('/home/ada/models/tiny', roots)).toEqual([
      { label: 'Home', path: '/home/ada' }, { label: 'models', path: '/home/ada/models' }, { label: 'tiny', path: '/home/ada/models/tiny' },
    ])
    expect(crumbsOf('/home/ada/.local/share/mixture-studio/demo', roots).map((c) => c.label)).toEqual(['Data folder', 'demo'])
    expect(crumbsOf('C:\\Users\\ada\\data', [{ label: 'Home', path: 'C:\\Users\\ada' }])).toEqual([
      { label: 'Home', path: 'C:\\Users\\ada' }, { label: 'data', path: 'C:\\Users\\ada\\data' },
    ])
    expect(crumbsOf('/home/adam', roots)).toEqual([{ label: '/home/adam', path: '/home/adam' }])
  })
})
