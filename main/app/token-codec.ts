// The HF token in the desktop app: encrypted with Electron's safeStorage (the OS keychain on macOS,
// DPAPI on Windows, the secret service on Linux) before main/hub/token-store.ts writes it. Type-checked
// only: Electron cannot run on our build machines, and the store's behaviour is tested with a codec.
import { safeStorage } from 'electron'
import type { TokenCodec } from '../hub/token-store'

/**
 * The codec, or undefined where the OS offers no real encryption (Linux without a keyring: safeStorage
 * would fall back to a hard-coded key), so the token is kept as web mode keeps it, a 0600 file,
 * and Settings says so, rather than behind encryption that protects nothing.
 */
export function safeStorageTokenCodec(): TokenCodec | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return undefined
  return {
    encrypt: (text) => safeStorage.encryptString(text),
    decrypt: (data) => safeStorage.decryptString(data),
  }
}
