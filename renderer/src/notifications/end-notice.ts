/** What a system notification says: its title and a line or two under it. */
export interface EndNotice {
  title: string
  body: string
}

/** An error's first line, cut to what a notification shows. */
export function firstLine(text: string | null): string | null {
  const line = text?.split('\n').find((l) => l.trim() !== '')?.trim()
  if (!line) return null
  return line.length > 160 ? `${line.slice(0, 159)}…` : line
}
