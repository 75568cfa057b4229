#!/usr/bin/env node
// The `mixture-studio` command. It runs the TypeScript sources through tsx so that the CLI,
// web mode and job processes use exactly the code the tests exercise.
import { register } from 'tsx/esm/api'
register()
const { main } = await import('../main/cli/index.ts')
process.exitCode = await main(process.argv.slice(2))
