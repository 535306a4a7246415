/**
 * Behavioural data generator for TerraLoop: simulates users, sessions, churn and the listing
 * journey of a circular-economy marketplace, plants four known effects, injects measured
 * mess, and writes the dataset directory of docs/contracts.md §1.
 *
 * ```ts
 * import { generateDataset, parseGenerateArgs, DEFAULT_EFFECTS } from "./lib/generate/mod.ts";
 *
 * // Default scale (~1M events over 90 days) into data/raw:
 * const summary = await generateDataset("data/raw");
 *
 * // Small, clean, with a stronger Basic-tier gap:
 * await generateDataset("/tmp/small", {
 *   users: 2000,
 *   days: 30,
 *   mess: { malformed: 0, duplicate_delivery: 0 },
 *   effects: { activation: { listerShare: { Basic: 0.2 } } },
 * });
 *
 * // CLI flags → options:
 * const { options, out } = parseGenerateArgs(["--users", "500", "--gzip"]);
 * ```
 *
 * @module
 */

export * from "./params.ts";
export * from "./truth.ts";
export * from "./generate.ts";
export * from "./args.ts";
export * from "./messy_lines.ts";
