import { closeSync, openSync, readSync } from 'node:fs'

/**
 * Which runtime ABI a compiled Node addon (`.node`) was built for, read from the binary itself.
 *
 * An addon built against V8's C++ API (better-sqlite3) exports `node_register_module_vNNN`, where
 * NNN is the `process.versions.modules` of the headers it was compiled against (Node 24: 137,
 * Electron 45: 150); it loads only in a runtime with that number. An N-API addon (onnxruntime-node)
 * exports `napi_register_module_v1` instead and loads in any runtime. The exported name is stored
 * as plain text in the symbol table of every format (ELF, Mach-O, PE), so a byte scan finds it
 * without loading the file: loading a mismatched addon is exactly what must not happen first.
 */
export type AddonAbi = { kind: 'node-abi'; abi: number } | { kind: 'napi' }

const NODE_ABI_SYMBOL = Buffer.from('node_register_module_v', 'latin1')
const NAPI_SYMBOL = Buffer.from('napi_register_module_v', 'latin1')
const CHUNK_BYTES = 1 << 20

/** The ABI `path` was built for; null when the file exports neither symbol (not a Node addon). */
export function readAddonAbi(path: string): AddonAbi | null {
  let napi = false
  let found: number | null = null
  scanFile(path, (window) => {
    const at = window.indexOf(NODE_ABI_SYMBOL)
    if (at >= 0) {
      const digits = /^\d+/.exec(window.toString('latin1', at + NODE_ABI_SYMBOL.length, at + NODE_ABI_SYMBOL.length + 8))
      if (digits) {
        found = Number(digits[0])
        return true
      }
    }
    if (window.includes(NAPI_SYMBOL)) napi = true
    return false
  })
  if (found !== null) return { kind: 'node-abi', abi: found }
  return napi ? { kind: 'napi' } : null
}

/**
 * Calls `visit` on overlapping windows of the file (each overlaps the previous by 64 bytes, so a
 * symbol split across two reads is still seen whole) until it returns true.
 */
function scanFile(path: string, visit: (window: Buffer) => boolean): void {
  const overlap = 64
  const buffer = Buffer.alloc(CHUNK_BYTES + overlap)
  const fd = openSync(path, 'r')
  try {
    let carried = 0
    for (;;) {
      const read = readSync(fd, buffer, carried, CHUNK_BYTES, null)
      if (read === 0) return
      const filled = carried + read
      if (visit(buffer.subarray(0, filled))) return
      carried = Math.min(overlap, filled)
      buffer.copy(buffer, 0, filled - carried, filled)
    }
  } finally {
    closeSync(fd)
  }
}

/** The runtime a process is, as far as its native addons care. */
export interface RuntimeAbi {
  runtime: 'node' | 'electron'
  /** Its version, for messages: `process.versions.node` or `process.versions.electron`. */
  version: string
  /** `process.versions.modules`. */
  abi: number
}

/** This process's runtime: Electron's main and utility processes report `versions.electron`. */
export function currentRuntimeAbi(versions: NodeJS.ProcessVersions = process.versions): RuntimeAbi {
  const electron = (versions as NodeJS.ProcessVersions & { electron?: string }).electron
  return {
    runtime: electron ? 'electron' : 'node',
    version: electron ?? versions.node,
    abi: Number(versions.modules),
  }
}

export function describeRuntime(runtime: RuntimeAbi): string {
  return `${runtime.runtime === 'electron' ? 'Electron' : 'Node.js'} ${runtime.version}`
}
