// A long file path in a narrow column breaks after a folder separator, not in the middle of a
// name: at 1024 px the Datasets table once showed ".../questions.json" with the last "l" alone on
// the next line. The path is cut into pieces that each end at a separator; the renderer puts a
// <wbr> (a break opportunity that adds no character) between them, so copying the text still
// gives the path unchanged. A piece longer than the column still wraps anywhere (overflow-wrap).

/** `path` in pieces, each up to and including a '/' or '\' (the last piece is the file's name). */
export function pathPieces(path: string): string[] {
  return path.match(/[^/\\]*[/\\]|[^/\\]+$/g) ?? []
}
