// A table row's Delete on the Storage card: a quiet red button that asks first. The question is
// bounded in width: the button sits at the table's right edge, and a one-line text would run off
// the window's left.
import { h, type VNode } from 'vue'
import { NButton, NPopconfirm } from 'naive-ui'

export function confirmDelete(options: { question: string; disabled: boolean; title?: string; onConfirm: () => void }): VNode {
  return h(
    NPopconfirm,
    { onPositiveClick: options.onConfirm, positiveText: 'Delete', negativeText: 'Keep' },
    {
      trigger: () => h(NButton, { size: 'small', quaternary: true, type: 'error', disabled: options.disabled, title: options.title }, { default: () => 'Delete' }),
      default: () => h('div', { style: 'max-width: 320px' }, options.question),
    },
  )
}
