// A dataset repo's data files and their splits, for the layouts repos on the Hub use: the parquet
// conversion's shards, split-named files, split folders, and a card's `configs`.
import { describe, expect, it } from 'vitest'
import { globPattern, isDataFile, splitFromLayout, splitsOf } from '../../../main/hub/dataset-splits'

describe('dataset files and splits', () => {
  it('keeps only the formats import reads', () => {
    const kept = ['a.parquet', 'b.jsonl', 'c.json', 'd.csv', 'e.tsv', 'F.JSONL'].filter(isDataFile)
    expect(kept).toHaveLength(6)
    expect(['README.md', '.gitattributes', 'alpaca.py', 'images/x.png', 'data.arrow', 'train.txt'].filter(isDataFile)).toEqual([])
  })

  it('names the split of sharded parquet files, hash suffix or not, by the repo\'s own word', () => {
    expect(splitFromLayout('data/train-00000-of-00001-a09b74b3ef9c3b56.parquet')).toBe('train')
    expect(splitFromLayout('data/test_sft-00002-of-00003.parquet')).toBe('test_sft')
    expect(splitFromLayout('default/validation-00000-of-00001.parquet')).toBe('validation')
  })

  it('names the split of split-named files and folders', () => {
    expect(splitFromLayout('train.jsonl')).toBe('train')
    expect(splitFromLayout('dolly_dev.csv')).toBe('dev')
    expect(splitFromLayout('mmlu-test.parquet')).toBe('test')
    expect(splitFromLayout('test/part-0.csv')).toBe('test')
    expect(splitFromLayout('data/validation/shard.json')).toBe('validation')
  })

  it('gives no split to a file that names none, rather than guessing', () => {
    expect(splitFromLayout('alpaca_data.json')).toBeNull()
    expect(splitFromLayout('databricks-dolly-15k.jsonl')).toBeNull()
    // "contest" holds "test" but is not the word test
    expect(splitFromLayout('contest_problems.jsonl')).toBeNull()
  })

  it('takes the card\'s configs over the layout, with the config named when there are several', () => {
    const paths = ['ARC-Easy/x1.parquet', 'ARC-Easy/x2.parquet', 'ARC-Challenge/y.parquet', 'README.md']
    const splits = splitsOf(paths, [
      { config_name: 'ARC-Easy', data_files: [{ split: 'train', path: 'ARC-Easy/x1.*' }, { split: 'test', path: ['ARC-Easy/x2.parquet'] }] },
      { config_name: 'ARC-Challenge', data_files: [{ split: 'train', path: 'ARC-Challenge/*' }] },
    ])
    expect(Object.fromEntries(splits)).toEqual({ 'ARC-Easy/x1.parquet': 'ARC-Easy/train', 'ARC-Easy/x2.parquet': 'ARC-Easy/test', 'ARC-Challenge/y.parquet': 'ARC-Challenge/train' })
  })

  it('reads a single config\'s patterns, split-less patterns as train, and falls back to the layout for unmatched files', () => {
    const splits = splitsOf(['raw/a.jsonl', 'extra/test.csv'], [{ config_name: 'default', data_files: 'raw/*.jsonl' }])
    expect(Object.fromEntries(splits)).toEqual({ 'raw/a.jsonl': 'train', 'extra/test.csv': 'test' })
  })

  it('matches data_files globs as the Hub does: * inside a folder, ** across folders', () => {
    expect(globPattern('data/*.parquet').test('data/a.parquet')).toBe(true)
    expect(globPattern('data/*.parquet').test('data/sub/a.parquet')).toBe(false)
    expect(globPattern('**/*.jsonl').test('a.jsonl')).toBe(true)
    expect(globPattern('**/*.jsonl').test('x/y/a.jsonl')).toBe(true)
    expect(globPattern('./train.csv').test('train.csv')).toBe(true)
    expect(globPattern('data/train-?.csv').test('data/train-1.csv')).toBe(true)
    expect(globPattern('a+b.csv').test('a+b.csv')).toBe(true)
  })
})
