/**
 * Overlapping reads of the same record (an event starts one while another is on its way) can
 * answer out of order over HTTP. Each read takes a ticket; an answer may replace what is shown
 * only when no newer read's answer is shown already.
 */
export function newestRead() {
  let started = 0
  let shown = 0
  return {
    /** Takes a ticket for a read that is about to start. */
    start(): number {
      return ++started
    },
    /** Whether this read's answer may be shown; if so it becomes the newest shown. */
    show(ticket: number): boolean {
      if (ticket < shown) return false
      shown = ticket
      return true
    },
    /** Whether no read has started since this one (a loading flag is cleared by the last read). */
    isLast(ticket: number): boolean {
      return ticket === started
    },
  }
}
