// Which files of a dataset repo are data we can import, and which split each belongs to: from the
// dataset card's `configs` when the repo declares them, else from the file's name and folders as
// the Hub's own conventions lay them out (data/train-00000-of-00001.parquet, train.jsonl,
// test/part-0.csv, ...). Split names are the repo's own words (train_sft stays train_sft, dev stays
// dev): the import wizard shows what the repo calls them.

/** The formats `datasets import` reads. Anything else in a repo (README, scripts, images) is left out. */
const DATA_FILE = /\.(parquet|jsonl|json|csv|tsv)$/i

/** Words that name a split when they stand alone in a file or folder name. */
const SPLIT_WORDS = new Set(['train', 'training', 'validation', 'valid', 'val', 'dev', 'test', 'testing', 'eval', 'evaluation'])

/** A sharded split as the Hub's parquet conversion and `push_to_hub` write it: NAME-00000-of-00003[-hash].ext */
const SHARD = /(?:^|\/)([^/]+?)-\d{5}-of-\d{5}(?:-[0-9a-f]+)?\.[a-z]+$/i

export function isDataFile(path: string): boolean {
  return DATA_FILE.test(path)
}

/** One `configs` entry of a dataset card's YAML (the part this reads). */
export interface CardConfig {
  config_name?: string
  /** A pattern, a list of them, or split → pattern(s). */
  data_files?: string | string[] | Array<{ split?: string; path?: string | string[] }>
}

/**
 * The split of each data file, by path. `configs` are the card's (cardData.configs): where a file
 * matches one of their patterns, that split wins; with several configs its name comes first
 * ("ARC-Easy/test"), as one repo may hold a train split per config.
 */
export function splitsOf(paths: readonly string[], configs: readonly CardConfig[] = []): Map<string, string | null> {
  const declared = declaredSplits(configs)
  const splits = new Map<string, string | null>()
  for (const path of paths) {
    if (!isDataFile(path)) continue
    const fromCard = declared.find((rule) => rule.pattern.test(path))
    splits.set(path, fromCard ? fromCard.split : splitFromLayout(path))
  }
  return splits
}

/** The split a path names by itself, or null when it names none (alpaca_data.json). */
export function splitFromLayout(path: string): string | null {
  const shard = SHARD.exec(path)
  if (shard) return shard[1]
  const parts = path.split('/')
  const stem = parts[parts.length - 1].replace(DATA_FILE, '')
  // train.jsonl, dolly_train.csv, mmlu-test.parquet, test.en.json
  const word = stem.split(/[-._ ]+/).find((token) => SPLIT_WORDS.has(token.toLowerCase()))
  if (word) return word
  // test/part-0.csv, data/validation/x.parquet: the nearest folder named as a split
  for (let i = parts.length - 2; i >= 0; i--) if (SPLIT_WORDS.has(parts[i].toLowerCase())) return parts[i]
  return null
}

interface DeclaredSplit {
  pattern: RegExp
  split: string
}

function declaredSplits(configs: readonly CardConfig[]): DeclaredSplit[] {
  const rules: DeclaredSplit[] = []
  const named = configs.filter((config) => config.data_files !== undefined)
  for (const config of named) {
    const prefix = named.length > 1 && config.config_name ? `${config.config_name}/` : ''
    const files = config.data_files
    const entries = typeof files === 'string' || (Array.isArray(files) && files.every((f) => typeof f === 'string'))
      ? [{ split: 'train', path: files as string | string[] }] // patterns alone are the train split, as `datasets` reads them
      : (files as Array<{ split?: string; path?: string | string[] }>)
    for (const { split, path } of entries) {
      if (path === undefined) continue
      for (const pattern of Array.isArray(path) ? path : [path]) rules.push({ pattern: globPattern(pattern), split: `${prefix}${split ?? 'train'}` })
    }
  }
  return rules
}

/** A data_files glob as a RegExp over the whole path: `*` within a folder, `**` across folders. */
export function globPattern(pattern: string): RegExp {
  const glob = pattern.replace(/^\.\//, '')
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]
    if (char === '*' && glob[i + 1] === '*') {
      // "**/" may also match no folder at all
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?'
        i += 2
      } else {
        source += '.*'
        i += 1
      }
    } else if (char === '*') source += '[^/]*'
    else if (char === '?') source += '[^/]'
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}
