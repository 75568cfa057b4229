// A deliberately small test runner: checks run in order (they share one browser and one
// server), each failure is printed with its stack, and the summary is the last line.
const checks = []

export function check(name, fn) {
  checks.push({ name, fn })
}

/** Runs the registered checks and returns the number that failed. */
export async function runChecks() {
  let passed = 0
  let failed = 0
  for (const { name, fn } of checks) {
    const started = Date.now()
    try {
      await fn()
      passed += 1
      console.log(`  ✓ ${name} (${Date.now() - started} ms)`)
    } catch (error) {
      failed += 1
      console.log(`  ✗ ${name}`)
      console.log(indent(error?.stack ?? String(error)))
    }
  }
  return { passed, failed }
}

export function indent(text) {
  return String(text).split('\n').map((line) => `      ${line}`).join('\n')
}

export function assert(condition, message) {
  if (!condition) throw new Error(message)
}

export function assertEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
}
