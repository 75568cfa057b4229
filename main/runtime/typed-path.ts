import { homedir } from 'node:os'
import { resolve } from 'node:path'

/**
 * A path as the user typed it: a leading `~` is their home folder. A shell expands it before a
 * command sees it, but a text field in the app sends it as typed, and Node would read `~/x` as a
 * folder named "~" inside the working directory. `~user` forms are left alone (no shell rules).
 */
export function expandHome(typed: string, home: string = homedir()): string {
  if (typed === '~') return home
  if (typed.startsWith('~/') || (process.platform === 'win32' && typed.startsWith('~\\'))) return resolve(home, typed.slice(2))
  return typed
}

/** A typed path made absolute (against `base`, the working directory unless given), `~` expanded. */
export function resolveTypedPath(typed: string, base: string = process.cwd(), home: string = homedir()): string {
  return resolve(base, expandHome(typed, home))
}
