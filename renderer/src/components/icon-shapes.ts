// Line icons drawn for this app on a 24×24 grid. LineIcon strokes them in the current text
// colour, so they follow the theme.
export type Shape =
  | { path: string }
  | { circle: [cx: number, cy: number, r: number] }
  | { rect: [x: number, y: number, width: number, height: number, radius: number] }

export const iconShapes = {
  models: [{ path: 'M12 3l8 4.5v9L12 21l-8-4.5v-9z' }, { path: 'M4 7.5l8 4.5 8-4.5M12 12v9' }],
  datasets: [
    { path: 'M5 6c0-1.66 3.13-3 7-3s7 1.34 7 3-3.13 3-7 3-7-1.34-7-3z' },
    { path: 'M5 6v12c0 1.66 3.13 3 7 3s7-1.34 7-3V6' },
    { path: 'M5 12c0 1.66 3.13 3 7 3s7-1.34 7-3' },
  ],
  'new-run': [{ circle: [12, 12, 9] }, { path: 'M12 8v8M8 12h8' }],
  runs: [{ path: 'M3 12h4l3-8 4 16 3-8h4' }],
  system: [
    { rect: [5, 5, 14, 14, 2] },
    { rect: [9, 9, 6, 6, 1] },
    { path: 'M9 2v3M15 2v3M9 19v3M15 19v3M2 9h3M2 15h3M19 9h3M19 15h3' },
  ],
  settings: [
    { path: 'M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1' },
    { circle: [15, 6, 2] },
    { circle: [9, 12, 2] },
    { circle: [17, 18, 2] },
  ],
  refresh: [
    { path: 'M20 11a8 8 0 0 0-14.9-3.5M4 4v3.5h3.5' },
    { path: 'M4 13a8 8 0 0 0 14.9 3.5M20 20v-3.5h-3.5' },
  ],
  probe: [{ path: 'M13 2L4 14h7l-1 8 9-12h-7z' }],
  copy: [{ rect: [8, 8, 12, 12, 2] }, { path: 'M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2' }],
  import: [{ path: 'M12 3v12M7 10l5 5 5-5' }, { path: 'M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2' }],
  folder: [{ path: 'M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z' }],
  back: [{ path: 'M15 5l-7 7 7 7' }],
  // A finished step (the first-run walkthrough).
  check: [{ path: 'M5 12.5l4.5 4.5L19 7.5' }],
  // Bars with an interval on top: the Evaluate page's table and chart.
  evaluate: [{ rect: [4, 12, 4, 8, 1] }, { rect: [10, 8, 4, 12, 1] }, { rect: [16, 14, 4, 6, 1] }, { path: 'M12 3v5M10.5 3h3' }],
  playground: [{ path: 'M4 5h16v11H9l-5 4z' }, { path: 'M8 9.5h8M8 12.5h5' }],
  compare: [{ path: 'M4 19l5-7 4 3 7-10' }, { path: 'M4 13l5-2 4 4 7-2' }],
  stop: [{ rect: [6, 6, 12, 12, 2] }],
  play: [{ path: 'M7 5l12 7-12 7z' }],
  export: [{ path: 'M12 15V3M7 8l5-5 5 5' }, { path: 'M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2' }],
  save: [{ path: 'M5 4h11l3 3v13H5z' }, { path: 'M8 4v5h7V4M8 20v-6h8v6' }],
  open: [{ path: 'M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v1H7.5L4 19H5' }, { path: 'M4 19l3.5-9H22l-3.5 9z' }],
  trash: [{ path: 'M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3' }],
  file: [{ path: 'M6 3h8l4 4v14H6z' }, { path: 'M14 3v4h4' }],
  up: [{ path: 'M12 19V5M6 11l6-6 6 6' }],
} satisfies Record<string, Shape[]>

export type IconName = keyof typeof iconShapes
