import { describe, expect, it } from 'vitest'
import { SIDEBAR_COLLAPSE_BELOW_PX, sidebarCollapsed } from '../../renderer/src/components/sidebar-collapse'

describe('sidebarCollapsed', () => {
  it('folds the sidebar below 1100 px by itself and keeps it open from 1100 px', () => {
    expect(SIDEBAR_COLLAPSE_BELOW_PX).toBe(1100)
    expect(sidebarCollapsed(1024, null)).toBe(true)
    expect(sidebarCollapsed(1099, null)).toBe(true)
    expect(sidebarCollapsed(1100, null)).toBe(false)
    expect(sidebarCollapsed(1280, null)).toBe(false)
  })

  it("lets the user's own choice win at any width", () => {
    expect(sidebarCollapsed(1024, false)).toBe(false)
    expect(sidebarCollapsed(1280, true)).toBe(true)
    expect(sidebarCollapsed(1280, false)).toBe(false)
    expect(sidebarCollapsed(800, true)).toBe(true)
  })
})
