// Small but real tokenizer.json files (BPE models, as the Llama, Qwen and GPT-2 families ship)
// that @huggingface/tokenizers loads: a character alphabet plus a few merges, so text encodes to
// several tokens and decodes back.

export interface TinyTokenizer {
  /** The tokenizer.json object. */
  json: Record<string, unknown>
  /** Number of ids it uses (regular vocabulary and added tokens). */
  size: number
  ids: Record<string, number>
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('')
const EXTRA_CHARACTERS = ['.', ',', '?', '!', "'", '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '\n']

/** Metaspace ("▁" marks a word start) BPE, like SentencePiece-converted Llama/T5 tokenizers. */
export function metaspaceBpeTokenizer(specialTokens: readonly string[], extraAddedTokens: readonly string[] = []): TinyTokenizer {
  const merges: [string, string][] = [
    ['▁', 't'], ['h', 'e'], ['▁t', 'he'], ['▁', 'a'], ['i', 'n'], ['▁', 'in'], ['e', 'r'], ['o', 'n'], ['▁', 'o'], ['▁o', 'n'],
  ]
  const base = ['▁', ...LETTERS, ...EXTRA_CHARACTERS]
  return build(specialTokens, base, merges, extraAddedTokens, {
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  })
}

/** Byte-level BPE like GPT-2's ("Ġ" marks a space), over printable ASCII only to stay tiny. */
export function byteLevelBpeTokenizer(specialTokens: readonly string[]): TinyTokenizer {
  // GPT-2's byte→unicode map sends printable ASCII to itself and the space (0x20) to "Ġ".
  const printable: string[] = []
  for (let c = 0x21; c <= 0x7e; c++) printable.push(String.fromCharCode(c))
  const merges: [string, string][] = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['Ġ', 'a'], ['i', 'n'], ['e', 'r']]
  return build(specialTokens, ['Ġ', 'Ċ', ...printable], merges, [], {
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
  })
}

function build(
  specialTokens: readonly string[],
  base: readonly string[],
  merges: readonly [string, string][],
  extraAddedTokens: readonly string[],
  parts: Record<string, unknown>,
): TinyTokenizer {
  const ids: Record<string, number> = {}
  const addToken = (token: string) => {
    if (!(token in ids)) ids[token] = Object.keys(ids).length
  }
  specialTokens.forEach(addToken)
  base.forEach(addToken)
  merges.forEach(([a, b]) => addToken(a + b))
  extraAddedTokens.forEach(addToken)
  const added = [...specialTokens, ...extraAddedTokens].map((content) => ({
    id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }))
  const unk = specialTokens.find((t) => /unk/.test(t)) ?? null
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    post_processor: null,
    ...parts,
    model: {
      type: 'BPE', dropout: null, unk_token: unk, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: ids, merges: merges.map(([a, b]) => [a, b]),
    },
  }
  return { json, size: Object.keys(ids).length, ids }
}
