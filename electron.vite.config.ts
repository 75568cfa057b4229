import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

// The cluster job's Python files (main/export/torchrun/python) are read at run time, not imported:
// they go beside the main bundle, where main/export/torchrun/python-sources.ts looks for them.
function torchrunPython(): Plugin {
  const dir = resolve(__dirname, 'main/export/torchrun/python')
  return {
    name: 'mixture-studio-torchrun-python',
    generateBundle() {
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.py'))) {
        this.emitFile({ type: 'asset', fileName: `torchrun-python/${name}`, source: readFileSync(resolve(dir, name), 'utf8') })
      }
    },
  }
}

// main/app is the only Electron code; the job worker is bundled beside it so that
// utilityProcess.fork can start it from the packaged app.
export default defineConfig({
  main: {
    plugins: [torchrunPython()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'main/app/index.ts'),
          'job-worker': resolve(__dirname, 'main/jobs/worker.ts'),
        },
        external: ['better-sqlite3', 'onnxruntime-node'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads cannot be ES modules: emit CommonJS as index.cjs.
      rollupOptions: {
        input: { index: resolve(__dirname, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
    plugins: [vue()],
  },
})
