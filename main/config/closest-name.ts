// "did you mean max_steps?": the known name a mistyped one is closest to, by edit distance
// (Damerau: a swap of two neighbours counts once, as in "laerning_rate").

/** Edits (insert, delete, replace, swap of neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/**
 * The candidate `name` most likely stands for: case and -/_ aside, the nearest within a third of
 * its length (at least 1 edit, at most 3); null when none is that near, or two are equally near.
 */
export function closestName(name: string, candidates: readonly string[]): string | null {
  const plain = (text: string) => text.toLowerCase().replaceAll('-', '_')
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)))
  let best: string | null = null
  let bestDistance = Infinity
  let tie = false
  for (const candidate of candidates) {
    const distance = editDistance(plain(name), plain(candidate))
    if (distance < bestDistance) [best, bestDistance, tie] = [candidate, distance, false]
    else if (distance === bestDistance) tie = true
  }
  return best !== null && bestDistance <= limit && !tie ? best : null
}
