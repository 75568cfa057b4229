import type { Command } from '../command'
import { benchCommand } from './bench'
import { datasetsCommand } from './datasets'
import { demoCommand } from './demo'
import { evalCommand } from './eval'
import { evaluateCommand, evaluationsCommand } from './evaluate'
import { exportCommand } from './export'
import { generateCommand } from './generate'
import { modelsCommand } from './models'
import { runsCommand } from './runs'
import { serveCommand } from './serve'
import { storeCommand } from './store'
import { trainCommand } from './train'

/** Every top-level command, in the order the help lists them. Add a command: add a file, list it here. */
export const commands: readonly Command[] = [demoCommand, trainCommand, serveCommand, runsCommand, exportCommand, datasetsCommand, modelsCommand, evalCommand, evaluateCommand, evaluationsCommand, generateCommand, benchCommand, storeCommand]
