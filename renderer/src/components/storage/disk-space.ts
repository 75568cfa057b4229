// When the System page warns that the data folder's disk is nearly full: training writes a
// checkpoint every few hundred steps, a 7B model's 4-bit copy is about 4 GB and its download
// 14 GB, so under 5 GiB free the next large step may fail for want of space.
export const LOW_FREE_BYTES = 5 * 1024 ** 3

export function isDiskLow(disk: { freeBytes: number } | null): boolean {
  return disk !== null && disk.freeBytes < LOW_FREE_BYTES
}
