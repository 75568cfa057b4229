/**
 * The app's id: electron-builder.yml's appId, and on Windows the AppUserModelID, without which
 * the OS shows no notification for an app run from its folder (the installer's shortcut carries
 * the same id). tests/unit/app/app-id.test.ts keeps the two equal.
 */
export const APP_ID = 'dev.mixturestudio.app'
