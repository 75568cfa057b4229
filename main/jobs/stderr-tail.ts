/** Keeps the end of a process's stderr: what it said before it died. */
export class StderrTail {
  private text = ''

  constructor(
    private readonly maxChars = 8_000,
    private readonly maxLines = 20,
  ) {}

  append(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.maxChars)
  }

  /** The last lines, or null when the process said nothing. */
  lastWords(): string | null {
    const lines = this.text.trimEnd().split('\n').slice(-this.maxLines)
    const words = lines.join('\n').trim()
    return words === '' ? null : words
  }
}
