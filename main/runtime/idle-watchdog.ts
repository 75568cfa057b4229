/**
 * Aborts a request when nothing arrives for `timeoutMs` (no connection, no answer, a stalled
 * body), or when the caller's signal aborts. `poke()` on every chunk received; `timedOut` tells a
 * silence from a cancel, so the caller can say which. Used by the Hub download and the CUDA
 * support download.
 */
export class IdleWatchdog {
  private readonly controller = new AbortController()
  private timer: NodeJS.Timeout | null = null
  private silent = false
  private readonly onCancel = () => this.controller.abort()

  constructor(
    protected readonly timeoutMs: number,
    protected readonly outer: AbortSignal | undefined,
  ) {
    outer?.addEventListener('abort', this.onCancel, { once: true })
    if (outer?.aborted) this.controller.abort()
    this.poke()
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** Whether the abort came from the silence, not from the caller. */
  get timedOut(): boolean {
    return this.silent
  }

  poke(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.silent = true
      this.controller.abort()
    }, this.timeoutMs)
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.outer?.removeEventListener('abort', this.onCancel)
  }
}
