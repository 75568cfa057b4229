/**
 * Below this window width the sidebar folds to its icons by itself: at 1024 px its 216 px left the
 * pages ~740 px, which cut the runs table and squeezed the forms' three columns.
 */
export const SIDEBAR_COLLAPSE_BELOW_PX = 1100

/**
 * Whether the sidebar is folded: the user's own choice (the arrow on its edge) wins once made;
 * until then it follows the window's width.
 */
export function sidebarCollapsed(windowWidth: number, userChoice: boolean | null): boolean {
  return userChoice ?? windowWidth < SIDEBAR_COLLAPSE_BELOW_PX
}
