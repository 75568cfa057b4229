// A small byte-level BPE tokenizer (GPT-2 style) built in code, so the demo model, benchmarks and tests can
// tokenize real text without downloading a model. Its merges are learned from a fixed
// English sample, so common words become single tokens as with a real vocabulary.

const SAMPLE = `The quick brown fox jumps over the lazy dog. You are a helpful assistant.
Write a short answer to the question below. What is the capital of France? The capital of France is Paris.
Summarize the following text in one sentence. Translate the sentence into French. Explain why the sky is blue.
Sunlight is scattered by the molecules in the air, and blue light is scattered more than red light.
Instruction: list three prime numbers. Response: two, three and five are prime numbers.
The user asked for a recipe; the assistant answered with the ingredients and the steps to follow.
In the beginning there was data, and the data was in every shape: JSON lines, tables and plain text.`

export interface ByteLevelTokenizerOptions {
  /** Number of merges to learn (vocabulary = 256 bytes + merges + special tokens). */
  merges?: number
  /** Special tokens appended after the merges, in this order. */
  specialTokens?: string[]
  /** Extra merges applied first, e.g. to force a merge across a prompt/completion boundary in a test. */
  forcedMerges?: [string, string][]
}

export interface TokenizerFilesJson {
  tokenizerJson: Record<string, unknown>
  vocabSize: number
}

/** GPT-2's reversible map from bytes to printable characters. */
export function bytesToUnicode(): string[] {
  const printable: number[] = []
  for (let b = 33; b <= 126; b++) printable.push(b)
  for (let b = 161; b <= 172; b++) printable.push(b)
  for (let b = 174; b <= 255; b++) printable.push(b)
  const map: string[] = new Array(256)
  let extra = 0
  for (let b = 0; b < 256; b++) {
    map[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++)
  }
  return map
}

export function buildByteLevelTokenizer(options: ByteLevelTokenizerOptions = {}): TokenizerFilesJson {
  const byteChars = bytesToUnicode()
  const vocab: Record<string, number> = {}
  for (const ch of byteChars) vocab[ch] = Object.keys(vocab).length
  const merges: [string, string][] = []
  const addMerge = (a: string, b: string) => {
    if (vocab[a + b] !== undefined) return
    merges.push([a, b])
    vocab[a + b] = Object.keys(vocab).length
  }
  for (const [a, b] of options.forcedMerges ?? []) addMerge(a, b)

  // Words as GPT-2 pre-tokenizes them (a leading space belongs to the word), as byte chars.
  const words = (SAMPLE.match(/ ?[A-Za-z]+| ?[^\sA-Za-z]+|\s+/g) ?? []).map((word) =>
    [...Buffer.from(word, 'utf8')].map((b) => byteChars[b]),
  )
  for (let m = 0; m < (options.merges ?? 300); m++) {
    const counts = new Map<string, number>()
    for (const word of words) {
      for (let i = 0; i + 1 < word.length; i++) {
        const key = `${word[i]} ${word[i + 1]}`
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
    }
    let best: string | null = null
    let bestCount = 1
    for (const [key, count] of counts) if (count > bestCount) [best, bestCount] = [key, count]
    if (best === null) break
    const [a, b] = best.split(' ')
    addMerge(a, b)
    for (const word of words) {
      for (let i = 0; i + 1 < word.length; i++) {
        if (word[i] === a && word[i + 1] === b) word.splice(i, 2, a + b)
      }
    }
  }

  const specials = options.specialTokens ?? ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
  const addedTokens = specials.map((content) => {
    const id = Object.keys(vocab).length
    vocab[content] = id
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }
  })
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }
  return {
    vocabSize: Object.keys(vocab).length,
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokens,
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: byteLevel,
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges: merges.map(([a, b]) => `${a} ${b}`),
      },
    },
  }
}
