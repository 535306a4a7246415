/**
 * Memory sizes for DuckDB's `memory_limit`: parsing what people type ("4GB", "512 MiB",
 * "40%"), the project's default (a share of the machine, capped) and display. A leaf module:
 * `config.ts` (settings) and `duckdb.ts` (opening) both use it without importing each other.
 *
 * @module
 */

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/** How the default memory limit is chosen when nothing sets one. */
export const MEMORY_LIMIT_DEFAULT = {
  /** Share of the machine's physical memory. */
  share: 0.4,
  /** Never more than this many bytes (keeps a whole pipeline run under ~4 GiB). */
  capBytes: 2.5 * GIB,
  /** Never less than this many bytes. */
  floorBytes: 256 * MIB,
} as const;

/**
 * Bytes of event files one load transaction takes under `memoryLimit`: a 24th of it, between
 * 16 and 128 MiB. A transaction holds a few times its files' bytes (the text, its lines, the
 * parsed payloads) and two run at once; measured at 10M events, cutting the load into such
 * batches took its peak from 5.2 to 3.7 GiB at a 3 GiB limit, for about 10% more time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(loadBatchBytes(3 * 2 ** 30), 128 * 2 ** 20);
 * assert.equal(loadBatchBytes(1.5 * 2 ** 30), 64 * 2 ** 20);
 * assert.equal(loadBatchBytes(256 * 2 ** 20), 16 * 2 ** 20);
 * ```
 */
export function loadBatchBytes(memoryLimit: number): number {
  return Math.min(128 * MIB, Math.max(16 * MIB, Math.floor(memoryLimit / 24)));
}

/**
 * DuckDB's memory limit while event files load: half of `memoryLimit`, but no less than
 * 1 GiB (nor more than `memoryLimit`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(loadMemoryLimit(3 * 2 ** 30), 1.5 * 2 ** 30);
 * assert.equal(loadMemoryLimit(1.5 * 2 ** 30), 2 ** 30);
 * assert.equal(loadMemoryLimit(512 * 2 ** 20), 512 * 2 ** 20);
 * ```
 */
export function loadMemoryLimit(memoryLimit: number): number {
  return Math.min(memoryLimit, Math.max(2 ** 30, Math.floor(memoryLimit / 2)));
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: KIB,
  mib: MIB,
  gib: GIB,
  tib: 1024 * GIB,
};

/** Physical memory of this machine in bytes, or `undefined` when it cannot be read. */
export function machineMemoryBytes(): number | undefined {
  try {
    const total = Deno.systemMemoryInfo().total;
    return total > 0 ? total : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The default memory limit: {@linkcode MEMORY_LIMIT_DEFAULT}.share of `totalBytes`, between
 * the floor and the cap (the cap when the machine's memory is unknown).
 *
 * @example
 * ```ts
 * defaultMemoryLimitBytes(24 * 2 ** 30); // 2.5 GiB (40% would be 9.6 GiB: capped)
 * defaultMemoryLimitBytes(4 * 2 ** 30); // 1.6 GiB
 * ```
 */
export function defaultMemoryLimitBytes(totalBytes = machineMemoryBytes()): number {
  const { share, capBytes, floorBytes } = MEMORY_LIMIT_DEFAULT;
  if (totalBytes === undefined) return capBytes;
  return Math.max(floorBytes, Math.min(capBytes, Math.floor(totalBytes * share / MIB) * MIB));
}

/**
 * Parse a memory size: a number with a unit (`4GB`, `4 GiB`, `512MB`, `1.5GiB`; decimal
 * `KB`/`MB`/`GB`/`TB` and binary `KiB`/`MiB`/`GiB`/`TiB`) or a percentage of the machine's
 * memory (`40%`). Throws a `TypeError` naming `setting` when the text is not a size, or is
 * below 64 MiB (DuckDB cannot work in less).
 *
 * @example
 * ```ts
 * parseMemorySize("4GB", "--memory-limit"); // 4_000_000_000
 * parseMemorySize("50%", "TERRALOOP_MEMORY_LIMIT", 8 * 2 ** 30); // 4 GiB
 * ```
 */
export function parseMemorySize(
  text: string,
  setting: string,
  totalBytes = machineMemoryBytes(),
): number {
  const value = text.trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(value);
  let bytes: number;
  if (percent) {
    const share = Number(percent[1]) / 100;
    if (share <= 0 || share > 1) {
      throw new TypeError(`${setting} must be a percentage from 1% to 100%, got "${text}"`);
    }
    if (totalBytes === undefined) {
      throw new TypeError(
        `${setting} is "${text}" but this machine's memory cannot be read: give a size such as "4GB"`,
      );
    }
    bytes = Math.floor(totalBytes * share);
  } else {
    const sized = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/.exec(value);
    const unit = sized ? UNITS[sized[2]!.toLowerCase()] : undefined;
    if (!sized || unit === undefined) {
      throw new TypeError(
        `${setting} must be a memory size such as "4GB", "512MiB" or "40%", got "${text}"`,
      );
    }
    bytes = Math.floor(Number(sized[1]) * unit);
  }
  if (bytes < 64 * MIB) {
    throw new TypeError(`${setting} must be at least 64MiB, got "${text}"`);
  }
  return bytes;
}

/**
 * Bytes as DuckDB's `memory_limit` setting takes them (whole MiB).
 *
 * @example
 * ```ts
 * duckDbMemorySetting(3 * 2 ** 30); // "3072MiB"
 * ```
 */
export function duckDbMemorySetting(bytes: number): string {
  return `${Math.max(1, Math.floor(bytes / MIB))}MiB`;
}

/**
 * Bytes for people: `3.0 GiB`, `512 MiB`.
 *
 * @example
 * ```ts
 * formatMemorySize(3 * 2 ** 30); // "3.0 GiB"
 * ```
 */
export function formatMemorySize(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(1)} GiB`;
  if (bytes >= MIB) return `${Math.round(bytes / MIB)} MiB`;
  return `${Math.round(bytes / KIB)} KiB`;
}
