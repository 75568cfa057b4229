// The services answer the CLI and the app alike, and some of their messages end with what to do
// in the CLI's terms (`--on-error skip`, `--force`, `--map FIELD=COLUMN`). The app says the same
// thing with its own controls; the CLI keeps its flags. Each entry is one hint a service writes.
const GUI_WORDS: [RegExp, string][] = [
  // main/data/errors.ts DatasetRowError
  [
    /\(import stopped at the first bad row; fix it, or import with --on-error skip to skip bad rows and list them in the report\)/,
    '(the import stopped at the first bad row; fix it, or choose "Skip bad rows" in the Check rows step to leave bad rows out and list them in the report)',
  ],
  // main/data/mapping.ts MappingError
  [/map it with --map (\S+)=COLUMN/, 'choose the column for "$1" in the Mapping step'],
  // main/export/export-target.ts
  [/ \(--force in the CLI, "Replace a previous export" in the Export dialog\)/g, ' (tick "Replace a previous export in this folder")'],
  // main/export/export-adapter.ts
  [/ \(--model DIR in the CLI\)/, ''],
  [/ \(--model DIR\)$/, ''],
  // main/export/source.ts
  [/ \(or --checkpoint \d+\)/, ''],
]

/** A service's message as the app says it: CLI flags replaced by the app's controls. */
export function inGuiWords(message: string): string {
  return GUI_WORDS.reduce((text, [pattern, words]) => text.replace(pattern, words), message)
}
