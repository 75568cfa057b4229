import { spawn } from 'node:child_process'

/**
 * Open a browser only where someone is sitting at the screen: not over SSH, not on a
 * Linux machine without a display (a server).
 */
export function hasInteractiveDisplay(env: Record<string, string | undefined>, platform: NodeJS.Platform): boolean {
  if (env.SSH_CONNECTION || env.SSH_TTY) return false
  if (platform === 'darwin' || platform === 'win32') return true
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY)
}

/** Best effort; returns the reason when it could not. */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  const [command, args] =
    platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['explorer.exe', [url]] : ['xdg-open', [url]]
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' })
    child.once('error', (error) => resolve(`could not run ${command}: ${error.message}`))
    child.once('spawn', () => {
      child.unref()
      resolve(null)
    })
  })
}
