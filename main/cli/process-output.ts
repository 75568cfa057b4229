// The CLI's stdout and stderr. When the reader of a pipe goes away (`mixture-studio train --json
// | head -3`: head exits after three lines), the next write fails with EPIPE, which Node raises
// as an 'error' event on the stream; unhandled, it ended the process with a stack trace in the
// middle of a step, leaving its run `running` for start-up recovery to find. Here the stream is
// written no more and the command is asked to stop, as Ctrl+C asks it: `train` writes a
// checkpoint and leaves the run cancelled, resumable. Other CLIs stop quietly too (git dies of
// SIGPIPE, which Node ignores).
import type { Writable } from 'node:stream'

export interface ProcessOutput {
  stdout(text: string): void
  stderr(text: string): void
  /** Resolves once stdout or stderr can no longer be written (its reader went away). */
  readonly lost: Promise<void>
}

export function processOutput(streams: { stdout: Writable; stderr: Writable } = process): ProcessOutput {
  let markLost: () => void = () => {}
  const lost = new Promise<void>((resolve) => (markLost = resolve))
  const writer = (stream: Writable) => {
    let open = true
    // Every error, not only EPIPE: whatever made a write fail, the text has nowhere to go.
    stream.on('error', () => {
      open = false
      markLost()
    })
    return (text: string) => {
      if (open && !stream.destroyed) stream.write(text)
    }
  }
  return { stdout: writer(streams.stdout), stderr: writer(streams.stderr), lost }
}
