import type { DatasetPreview } from '../../../../main/contract'

export type PreviewRow = DatasetPreview['rows'][number]

export interface Segment {
  text: string
  trained: boolean
}

/** The rendered text cut at its span boundaries; characters outside every span are masked. */
export function textSegments(rendered: NonNullable<PreviewRow['rendered']>): Segment[] {
  const segments: Segment[] = []
  let cursor = 0
  for (const span of [...rendered.spans].sort((a, b) => a.start - b.start)) {
    if (span.start > cursor) segments.push({ text: rendered.text.slice(cursor, span.start), trained: false })
    if (span.end > span.start) segments.push({ text: rendered.text.slice(Math.max(cursor, span.start), span.end), trained: span.trained })
    cursor = Math.max(cursor, span.end)
  }
  if (cursor < rendered.text.length) segments.push({ text: rendered.text.slice(cursor), trained: false })
  return segments.filter((segment) => segment.text.length > 0)
}

/**
 * Shows whitespace a token carries, so token boundaries stay visible ("·" space, "↵" newline).
 * A token that decodes to nothing on its own is almost always SentencePiece's word-start
 * marker (decoding drops a leading space), so it is shown as a space too; its id is in the tooltip.
 */
export function visibleToken(token: { id: number; text: string }): string {
  return token.text.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '→') || '·'
}
