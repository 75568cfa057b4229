// Debian's PyTorch (python3-torch 1.13, CPU) for the cluster job's tests. `.ci/run` installs it and
// sets MIXTURE_STUDIO_REQUIRE_TORCH=1, so there a missing torch fails the tests instead of skipping.
import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'

/** Debian's Python, which has python3-torch and python3-numpy (a pyenv `python3` on PATH may not). */
export const PYTHON = process.env.MIXTURE_STUDIO_PYTHON ?? '/usr/bin/python3'

let known: boolean | null = null

export function pythonHasTorch(): boolean {
  known ??= spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0
  if (!known && process.env.MIXTURE_STUDIO_REQUIRE_TORCH === '1') {
    throw new Error(`${PYTHON} cannot import torch and numpy, and MIXTURE_STUDIO_REQUIRE_TORCH=1: install python3-torch (apt-get install python3-torch)`)
  }
  return known
}

/** Runs a Python script with arguments; throws with its stderr when it fails. */
export function runPython(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): string {
  const result = spawnSync(PYTHON, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000 })
  if (result.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}\n${result.stdout}`)
  return result.stdout
}

/** How a Python process ended. */
export interface PythonRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Starts Python with `args`; resolves when it exits, whatever its exit code (stdin gets `input`, then closes). */
export function spawnPython(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<PythonRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PYTHON, args, { cwd: options.cwd, env: { ...process.env, OMP_NUM_THREADS: '1', ...options.env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}

/** runPython without blocking: several Python processes can run while the test does other work. */
export async function runPythonAsync(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const run = await spawnPython(args, options)
  if (run.code !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (${run.code ?? 'killed'}):\n${run.stderr}\n${run.stdout}`)
  return run.stdout
}

/** A TCP port nothing listens on now (for MASTER_PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolvePromise(address.port) : reject(new Error('no port'))))
    })
  })
}
