/**
 * Behavioural data generator for TerraLoop: simulates users, sessions, churn and the listing
 * journey of a circular-economy marketplace, plants four known effects, injects measured
 * mess, and writes the dataset directory of docs/contracts.md §1.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateDataset, parseGenerateArgs } from "./mod.ts";
 *
 * // `deno task generate` writes the default scale (~1M events over 90 days) into data/raw.
 * // Small, clean, with a stronger Basic-tier gap:
 * const dir = await Deno.makeTempDir();
 * const summary = await generateDataset(dir, {
 *   users: 200,
 *   days: 7,
 *   mess: { malformed: 0, duplicate_delivery: 0 },
 *   effects: { activation: { listerShare: { Basic: 0.2 } } },
 * });
 * assert.equal(summary.counts.malformed, 0);
 * await Deno.remove(dir, { recursive: true });
 *
 * // CLI flags → options:
 * const { options } = parseGenerateArgs(["--users", "500", "--gzip"]);
 * assert.deepEqual(options, { users: 500, gzip: true });
 * ```
 *
 * @module
 */

export * from "./params.ts";
export * from "./truth.ts";
export * from "./generate.ts";
export * from "./args.ts";
export * from "./messy_lines.ts";
