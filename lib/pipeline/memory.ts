/**
 * Peak memory of this process, for stage summaries and benchmarks.
 *
 * @module
 */

/**
 * Peak resident memory of this process so far, in MiB: `VmHWM` from `/proc/self/status` on
 * Linux, else the current resident set size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(peakRssMiB() > 0);
 * ```
 */
export function peakRssMiB(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = status.match(/VmHWM:\s+(\d+) kB/);
    if (match?.[1]) return Number(match[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return Deno.memoryUsage().rss / 1024 / 1024;
}
