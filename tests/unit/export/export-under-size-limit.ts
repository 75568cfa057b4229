// An export that fails half-way through writing, for real: exportAdapter runs in a child process
// whose files may not grow past a size limit (RLIMIT_FSIZE, set by `ulimit -f` as a FAT32 disk
// sets 4 GiB), so a write in the middle of a weights file fails with EFBIG. Nothing in the export
// is told to fail; unlike a full disk, this needs no mount and works for any user, root included.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import type { ExportFormat } from '../../../main/export'

/** `ulimit -f` counts 512-byte blocks in a POSIX shell. */
const BLOCK_BYTES = 512

export const canLimitFileSize = process.platform !== 'win32'

/**
 * Replaces `out` (overwrite) with a `format` export of `adapterDir` in a child process that may
 * write no file past `limitBytes`; returns how it ended and the error message it printed.
 */
export function exportUnderFileSizeLimit(adapterDir: string, format: ExportFormat, out: string, limitBytes: number): { status: number | null; message: string } {
  const script = `const { exportAdapter } = await import(${JSON.stringify(resolve('main/export/index.ts'))})
    const [adapterDir, format, out] = process.argv.slice(1)
    try {
      await exportAdapter({ adapterDir }, { format, out, overwrite: true })
    } catch (error) {
      process.stderr.write(error.message)
      process.exit(1)
    }`
  const blocks = Math.floor(limitBytes / BLOCK_BYTES)
  const shell = 'ulimit -f "$1" && shift && exec "$@"'
  const child = spawnSync('sh', ['-c', shell, 'sh', String(blocks), process.execPath, '--import', 'tsx', '--input-type=module', '-e', script, adapterDir, format, out], {
    encoding: 'utf8',
    timeout: 60_000,
    cwd: resolve('.'),
  })
  if (child.error) throw child.error
  return { status: child.status, message: `${child.stderr}${child.stdout}` }
}
