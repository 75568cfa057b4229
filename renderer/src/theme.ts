import type { GlobalThemeOverrides } from 'naive-ui'

// One accent colour across the app; the dark variant is lighter so it keeps its contrast.
const accent = {
  light: { base: '#3563e9', hover: '#4d78ef', pressed: '#2850c6', suppl: '#4d78ef' },
  dark: { base: '#6d8ff5', hover: '#86a3f7', pressed: '#5a7de6', suppl: '#86a3f7' },
}

export function themeOverrides(dark: boolean): GlobalThemeOverrides {
  const colors = dark ? accent.dark : accent.light
  return {
    common: {
      primaryColor: colors.base,
      primaryColorHover: colors.hover,
      primaryColorPressed: colors.pressed,
      primaryColorSuppl: colors.suppl,
      borderRadius: '6px',
    },
    Layout: dark ? {} : { color: '#f6f7f9', siderColor: '#ffffff' },
  }
}

/** Links (plain <a> and router-link) take the accent too: the browser's blue and purple ignore the theme. */
export function linkColors(dark: boolean): { base: string; hover: string } {
  const colors = dark ? accent.dark : accent.light
  return { base: colors.base, hover: colors.hover }
}
