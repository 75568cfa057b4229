/** Colours told apart at a glance, for one series each (compared runs, evaluation sets): cycled past the sixth. */
export const SERIES_COLORS = ['#3563e9', '#e8833a', '#18a058', '#d03050', '#8a63d2', '#2a9bb8'] as const

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length]
}
