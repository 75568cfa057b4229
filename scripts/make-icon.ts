// `npx tsx scripts/make-icon.ts`: draws resources/icon.png, the app icon electron-builder turns into
// the .icns, .ico and Linux sizes. Drawn here rather than in an editor so that it can be changed
// by changing numbers, and so tests/unit/packaging can check that the committed file is this one.
//
// The mark is the favicon's (renderer/public/favicon.svg), on its 32-unit grid: three experts,
// in the chart colours, whose outputs merge into one. Shapes are signed distance functions,
// each pixel covered by how far its centre is inside the edge, which anti-aliases every edge
// without supersampling.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { crc32, deflateSync } from 'node:zlib'

export const ICON_SIZE = 1024
/** Apple's icon grid: the rounded square is 824 of 1024 px, leaving room for the shadow. */
const BODY = 824 / 1024

type Rgb = readonly [number, number, number]

const BLUE_TOP: Rgb = [0x4d, 0x78, 0xef]
const BLUE_BOTTOM: Rgb = [0x28, 0x50, 0xc6]
const WHITE: Rgb = [0xff, 0xff, 0xff]
// renderer/src/components/charts/series-colors.ts: orange, green, purple.
const EXPERTS: { y: number; color: Rgb }[] = [
  { y: 9.5, color: [0xe8, 0x83, 0x3a] },
  { y: 16, color: [0x18, 0xa0, 0x58] },
  { y: 22.5, color: [0x8a, 0x63, 0xd2] },
]
const MERGED = { x: 22.5, y: 16, r: 3.9 }
const EXPERT_X = 8.8
const EXPERT_R = 2.7
/** The coloured core inside each expert's white ring. */
const EXPERT_CORE_R = 1.85
const LINE_WIDTH = 1.5

function roundedSquare(x: number, y: number, half: number, radius: number): number {
  const qx = Math.abs(x) - half + radius
  const qy = Math.abs(y) - half + radius
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius
}

function circle(x: number, y: number, cx: number, cy: number, r: number): number {
  return Math.hypot(x - cx, y - cy) - r
}

function segment(x: number, y: number, ax: number, ay: number, bx: number, by: number, width: number): number {
  const px = x - ax
  const py = y - ay
  const dx = bx - ax
  const dy = by - ay
  const t = Math.min(Math.max((px * dx + py * dy) / (dx * dx + dy * dy), 0), 1)
  return Math.hypot(px - dx * t, py - dy * t) - width / 2
}

/** Source-over compositing of `color` at `alpha` onto the premultiplied-free pixel `[r, g, b, a]`. */
function over(pixel: number[], color: readonly number[], alpha: number): void {
  if (alpha <= 0) return
  const outA = alpha + pixel[3] * (1 - alpha)
  for (let c = 0; c < 3; c++) pixel[c] = (color[c] * alpha + pixel[c] * pixel[3] * (1 - alpha)) / outA
  pixel[3] = outA
}

/** RGBA bytes of the icon, `size` px square. */
export function drawIcon(size = ICON_SIZE): Buffer {
  const rgba = Buffer.alloc(size * size * 4)
  // Grid units per pixel: the 32-unit mark fills the body.
  const unit = 32 / (size * BODY)
  const coverage = (distance: number) => Math.min(Math.max(0.5 - distance / unit, 0), 1)
  const pixel = [0, 0, 0, 0]
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      // Pixel centre in grid units, with the body's centre at (16, 16).
      const x = ((col + 0.5) / size - 0.5) * (32 / BODY) + 16
      const y = ((row + 0.5) / size - 0.5) * (32 / BODY) + 16
      pixel.fill(0)
      const t = Math.min(Math.max(y / 32, 0), 1)
      const blue = BLUE_TOP.map((top, c) => top + (BLUE_BOTTOM[c] - top) * t)
      over(pixel, blue, coverage(roundedSquare(x - 16, y - 16, 16, 7.2)))
      if (pixel[3] > 0) {
        const lines = Math.min(...EXPERTS.map((e) => segment(x, y, EXPERT_X, e.y, MERGED.x, MERGED.y, LINE_WIDTH)))
        over(pixel, WHITE, 0.9 * coverage(lines))
        for (const expert of EXPERTS) {
          over(pixel, WHITE, coverage(circle(x, y, EXPERT_X, expert.y, EXPERT_R)))
          over(pixel, expert.color, coverage(circle(x, y, EXPERT_X, expert.y, EXPERT_CORE_R)))
        }
        over(pixel, WHITE, coverage(circle(x, y, MERGED.x, MERGED.y, MERGED.r)))
      }
      const at = (row * size + col) * 4
      for (let c = 0; c < 3; c++) rgba[at + c] = Math.round(pixel[c])
      rgba[at + 3] = Math.round(pixel[3] * 255)
    }
  }
  return rgba
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A PNG file of `rgba` (8-bit RGBA, `size` px square). */
export function encodePng(rgba: Buffer, size: number): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bits per channel
  header[9] = 6 // RGBA
  // Each row starts with its filter type: 0, none.
  const rows = Buffer.alloc(size * (size * 4 + 1))
  for (let row = 0; row < size; row++) rgba.copy(rows, row * (size * 4 + 1) + 1, row * size * 4, (row + 1) * size * 4)
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))])
}

export const ICON_PATH = fileURLToPath(new URL('../resources/icon.png', import.meta.url))

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ICON_PATH, encodePng(drawIcon(), ICON_SIZE))
  console.log(`wrote ${ICON_PATH}`)
}
