// A real full disk for tests: a small tmpfs mounted in a user and mount namespace (`unshare -Urm`),
// so no privilege is needed and nothing outside the test's process sees it. Some machines refuse
// unprivileged namespaces (Ubuntu's AppArmor default, containers without the capability): tests
// that need one are skipped there.
import { spawnSync } from 'node:child_process'
import { makeTempDir } from './temp-dir'

/** Whether this machine lets an unprivileged process mount a tmpfs in its own namespace. */
export function canMountTmpfs(): boolean {
  if (process.platform !== 'linux') return false
  const probe = makeTempDir('ms-tmpfs-probe-')
  try {
    return spawnSync('unshare', ['-Urm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$1"', 'sh', probe.dir]).status === 0
  } catch {
    return false
  } finally {
    probe.remove()
  }
}
