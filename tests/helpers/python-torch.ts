// Debian's PyTorch (python3-torch 1.13, CPU) for the cluster job's tests. `.ci/run` installs it and
// sets MIXTURE_STUDIO_REQUIRE_TORCH=1, so there a missing torch fails the tests instead of skipping.
import { spawnSync } from 'node:child_process'

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
