// What a user types for a run, model, dataset or evaluation: ids are UUIDs, 36 characters that
// nobody types by hand. So, as git takes a commit's hash, a command takes the start of an id
// (4 characters or more) when it is the start of one id only, or an exact name that one item
// has. Anything that matches nothing is passed on as typed, so the command's own "there is no
// run X" answers it; several matches are refused, listing them.
import { existsSync, statSync } from 'node:fs'
import { readNamedItems, type NamedItem, type NamedKind } from '../store'
import { CliFailure, type CliContext } from './command'
import { cliDataDir } from './open-services'

export type IdKind = NamedKind

/** The shortest start of an id that the resolver takes. */
const MIN_ID_PREFIX = 4

const LIST_COMMAND: Record<IdKind, string> = {
  run: 'mixture-studio runs list',
  model: 'mixture-studio models list',
  dataset: 'mixture-studio datasets list',
  evaluation: 'mixture-studio evaluations list',
}

/** The id `typed` names among `items`, or null when it names none of them. */
export function matchIdArgument(typed: string, items: readonly NamedItem[], kind: IdKind): string | null {
  if (items.some((item) => item.id === typed)) return typed
  const lower = typed.toLowerCase()
  const byPrefix = /^[0-9a-f-]+$/.test(lower) && lower.length >= MIN_ID_PREFIX ? items.filter((item) => item.id.toLowerCase().startsWith(lower)) : []
  const byName = items.filter((item) => item.name === typed)
  const matches = [...new Map([...byPrefix, ...byName].map((item) => [item.id, item])).values()]
  if (matches.length === 1) return matches[0].id
  if (matches.length === 0) return null
  const shown = matches.slice(0, 5).map((item) => `${item.id} (${item.name})`)
  const more = matches.length > shown.length ? `, and ${matches.length - shown.length} more` : ''
  const how = byPrefix.length === 0 ? 'Give the id' : 'Give more of the id'
  throw new CliFailure(`"${typed}" names ${matches.length} ${kind}s: ${shown.join(', ')}${more}. ${how} of the one you mean (\`${LIST_COMMAND[kind]}\`)`)
}

/**
 * The full id of the `kind` the user typed (see the file's head), looked up in the data folder's
 * store; the text as typed when it names none, so the command reports it as unknown.
 */
export function idArgument(context: CliContext, kind: IdKind, typed: string): string {
  return idArguments(context, kind, [typed])[0]
}

/** idArgument for several at once (runs compare, runs delete, evaluate --run …): the store is read once. */
export function idArguments(context: CliContext, kind: IdKind, typed: readonly string[]): string[] {
  if (typed.length === 0) return []
  const items = readNamedItems(cliDataDir(context), kind)
  return typed.map((text) => matchIdArgument(text, items, kind) ?? text)
}

/** An argument that is a folder or an id (`export RUN|DIR`, `evaluate --model M`): a folder that exists is taken as it is. */
export function idOrFolderArgument(context: CliContext, kind: IdKind, typed: string): string {
  return isFolder(typed) ? typed : idArgument(context, kind, typed)
}

export function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory()
}
