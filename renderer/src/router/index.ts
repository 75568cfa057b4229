import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import ModelsView from '../views/ModelsView.vue'
import DatasetsView from '../views/DatasetsView.vue'
import DatasetImportView from '../views/DatasetImportView.vue'
import DatasetDetailView from '../views/DatasetDetailView.vue'
import NewRunView from '../views/NewRunView.vue'
import RunsView from '../views/RunsView.vue'
import RunView from '../views/RunView.vue'
import CompareView from '../views/CompareView.vue'
import PlaygroundView from '../views/PlaygroundView.vue'
import EvaluateView from '../views/EvaluateView.vue'
import SystemView from '../views/SystemView.vue'
import SettingsView from '../views/SettingsView.vue'
import { setPageTitle } from '../window-title'

declare module 'vue-router' {
  interface RouteMeta {
    /** Shown in the window title and the navigation. */
    title?: string
    /** The navigation entry a sub-page belongs to (its route name), when not its own. */
    section?: string
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/runs' },
  { path: '/models', name: 'models', component: ModelsView, meta: { title: 'Models' } },
  { path: '/datasets', name: 'datasets', component: DatasetsView, meta: { title: 'Datasets' } },
  { path: '/datasets/import', name: 'dataset-import', component: DatasetImportView, meta: { title: 'Import a dataset', section: 'datasets' } },
  { path: '/datasets/:id', name: 'dataset-detail', component: DatasetDetailView, props: true, meta: { title: 'Dataset', section: 'datasets' } },
  { path: '/new-run', name: 'new-run', component: NewRunView, meta: { title: 'New run' } },
  { path: '/runs', name: 'runs', component: RunsView, meta: { title: 'Runs' } },
  { path: '/runs/:id', name: 'run', component: RunView, props: true, meta: { title: 'Run', section: 'runs' } },
  { path: '/compare', name: 'compare', component: CompareView, meta: { title: 'Compare runs', section: 'runs' } },
  { path: '/evaluate', name: 'evaluate', component: EvaluateView, meta: { title: 'Evaluate' } },
  { path: '/playground', name: 'playground', component: PlaygroundView, meta: { title: 'Playground' } },
  { path: '/system', name: 'system', component: SystemView, meta: { title: 'System' } },
  { path: '/settings', name: 'settings', component: SettingsView, meta: { title: 'Settings' } },
  { path: '/:unknown(.*)*', redirect: '/runs' },
]

// Hash history: Electron loads the page from a file, where path-based URLs cannot resolve.
export const router = createRouter({ history: createWebHashHistory(), routes })

router.afterEach((to) => setPageTitle(to.meta.title as string | undefined))
