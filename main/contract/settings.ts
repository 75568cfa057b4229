import { z } from 'zod'

export const ThemeChoice = z.enum(['system', 'light', 'dark'])
export type ThemeChoice = z.infer<typeof ThemeChoice>

/** The device new runs use unless a run says otherwise (the run configuration's `device`). */
export const DeviceChoice = z.enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml'])
export type DeviceChoice = z.infer<typeof DeviceChoice>

/**
 * How much noisy curves (train loss, tokens per second) are smoothed on the run and Compare
 * pages: the weight of a debiased exponential moving average, 0 = raw (TensorBoard's slider).
 */
export const CurveSmoothing = z.number().min(0).max(0.99)
export const DEFAULT_CURVE_SMOOTHING = 0.6

export const RunsAtOncePerDevice = z.number().int().min(1).max(8)

/** The user's preferences; every field has a default, so a missing file means "all defaults". */
export const Settings = z
  .object({
    theme: ThemeChoice.default('system'),
    defaultDevice: DeviceChoice.default('auto'),
    curveSmoothing: CurveSmoothing.default(DEFAULT_CURVE_SMOOTHING),
    /**
     * The user closed the first-run walkthrough of an empty studio: it stays away until "Show the
     * walkthrough" (Settings, the empty Runs page) sets this back to false.
     */
    walkthroughDismissed: z.boolean().default(false),
    /**
     * How many training runs share one device at once; a run started beyond it waits in the run
     * queue. 1 by default: two runs on one device each train at half speed, and a second on a GPU
     * may run out of its memory.
     */
    runsAtOncePerDevice: RunsAtOncePerDevice.default(1),
    /** A system notification when a run or a long job ends while the app is in the background (a browser asks first). */
    notifyWhenDone: z.boolean().default(true),
  })
  .strict()
export type Settings = z.output<typeof Settings>

/** A change to some settings; fields left out keep their value. */
export const SettingsPatch = z
  .object({
    theme: ThemeChoice.optional(),
    defaultDevice: DeviceChoice.optional(),
    curveSmoothing: CurveSmoothing.optional(),
    walkthroughDismissed: z.boolean().optional(),
    runsAtOncePerDevice: RunsAtOncePerDevice.optional(),
    notifyWhenDone: z.boolean().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'give at least one setting to change' })

export const SettingsState = z.object({
  settings: Settings,
  /** Where models, datasets, runs and this settings file live (MIXTURE_STUDIO_HOME or the OS default). */
  dataDir: z.string(),
  /** The settings file itself. */
  file: z.string(),
  /**
   * Why the stored file could not be used (damaged JSON, an unknown value); the defaults are
   * in effect and the file is left untouched until the user saves.
   */
  problem: z.string().nullable(),
})
export type SettingsState = z.infer<typeof SettingsState>
