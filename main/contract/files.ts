import { z } from 'zod'

/**
 * Web mode's folder browser asks for one folder's entries: a browser has no dialog that yields a
 * path on the server, so the page browses the server's folders itself, within the home folder and
 * the data folder only.
 */
export const FilesListInput = z
  .object({
    /** The folder to list (a file's path lists its folder); `~` is the home folder; absent or empty: the home folder. */
    path: z.string().max(4096).default(''),
    /** What is being chosen: a file (folders and matching files are listed) or a folder (folders only). */
    kind: z.enum(['file', 'folder']).default('file'),
    /** Files to list, by extension without the dot (`jsonl`); empty: every file. */
    extensions: z.array(z.string().min(1).max(20)).max(20).default([]),
    /** Also list names starting with a dot. */
    showHidden: z.boolean().default(false),
  })
  .strict()

export const FileEntry = z.object({
  name: z.string(),
  /** The entry's full path inside the listed folder (as listed, not resolved through a link). */
  path: z.string(),
  kind: z.enum(['file', 'folder']),
  /** Bytes, for files; null for folders. */
  size: z.number().nullable(),
  /** Last modified, in ms since the epoch. */
  modified: z.number(),
  /** A folder with a config.json: what a model folder has. */
  looksLikeModel: z.boolean(),
})

export const FilesRoot = z.object({
  /** "Home" or "Data folder". */
  label: z.string(),
  path: z.string(),
})

export const FolderListing = z.object({
  /** The folder listed, links resolved. */
  path: z.string(),
  /** Its parent, or null when it is one of the roots (the browser goes no higher). */
  parent: z.string().nullable(),
  /** The folders the browser may show, and everything inside them. */
  roots: z.array(FilesRoot),
  /** Folders first, then files, each by name. */
  entries: z.array(FileEntry),
  /** Entries left out because the folder holds more than a listing carries. */
  omitted: z.number(),
  /** The file's name when the path asked for was a file in this folder, else null. */
  selected: z.string().nullable(),
  /** The listed folder holds a config.json itself. */
  looksLikeModel: z.boolean(),
})

/** Load YAML in web mode: a run configuration chosen in the browser, read by the server. */
export const FilesReadConfigInput = z.object({ path: z.string().min(1).max(4096) }).strict()

export const ConfigFileText = z.object({
  /** The file read, links resolved. */
  path: z.string(),
  name: z.string(),
  /** Its folder: relative paths inside it start there, as `train --config` reads them. */
  folder: z.string(),
  text: z.string(),
})

export type FilesListInput = z.input<typeof FilesListInput>
export type ConfigFileText = z.infer<typeof ConfigFileText>
export type FileEntry = z.infer<typeof FileEntry>
export type FilesRoot = z.infer<typeof FilesRoot>
export type FolderListing = z.infer<typeof FolderListing>
