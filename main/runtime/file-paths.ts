import { isAbsolute, relative, sep } from 'node:path'

/**
 * Whether `inner` lies strictly inside the folder `outer` (both absolute; resolve links first
 * where a link could lead out). One rule for every containment check: what the static-file
 * server and the app:// protocol may serve, what an export may replace.
 */
export function isInside(inner: string, outer: string): boolean {
  const rel = relative(outer, inner)
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)
}

/** `inner` is `outer` itself or lies inside it. */
export function isSameOrInside(inner: string, outer: string): boolean {
  return inner === outer || isInside(inner, outer)
}
