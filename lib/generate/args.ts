/**
 * Command-line flags of `deno task generate`, reusable by other CLIs (the pipeline accepts
 * the same flags).
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  ANOMALY_KINDS,
  type AnomalyKind,
  checkDate,
  checkInteger,
  checkPeriod,
  checkPlantAnomaly,
  DEFAULT_DAYS,
  DEFAULT_SEED,
  DEFAULT_START,
  DEFAULT_USERS,
  type EventName,
  type GenerateOptions,
  MAX_DAYS,
  MAX_USERS,
  type PlantAnomalyOptions,
} from "./params.ts";

/** Default output directory of the CLI. */
export const DEFAULT_OUT_DIR = "data/raw";

/** `node:util` parseArgs spec of the generator flags; spread it into a larger spec to compose. */
export const GENERATE_FLAGS = {
  users: { type: "string" },
  days: { type: "string" },
  start: { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  gzip: { type: "boolean" },
  "plant-anomaly": { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

/** Usage text of `deno task generate`. */
export const GENERATE_USAGE = `Usage: deno task generate [options]

Simulate the TerraLoop marketplace and write users.csv, listings.csv,
events-YYYY-MM-DD.ndjson (one per delivery day) and truth.json.

Options:
  --users N         registry users (default ${DEFAULT_USERS}, about 1M events over 90 days)
  --days D          days in the period (default ${DEFAULT_DAYS})
  --start DATE      first day, YYYY-MM-DD, UTC (default ${DEFAULT_START})
  --seed S          random seed, 0-4294967295 (default ${DEFAULT_SEED})
  --out DIR         output directory (default ${DEFAULT_OUT_DIR}); previous dataset files there
                    are replaced, other files are kept
  --gzip            write events-*.ndjson.gz
  --plant-anomaly KIND:EVENT:DATE:FACTOR
                    plant a volume anomaly, recorded in truth.json (repeatable), e.g.
                    drop:start_listing:2026-03-10:0.5 (half the day's start_listing events)
                    or spike:search:2026-02-01:3 (three times as many)
  -h, --help        print this help
`;

/** Result of {@linkcode parseGenerateArgs}. */
export interface GenerateArgs {
  /** Options for `generateDataset`. */
  options: GenerateOptions;
  /** Output directory. */
  out: string;
  /** True when `--help` was given. */
  help: boolean;
}

function _integerFlag(name: string, text: string | undefined, min: number, max: number) {
  if (text === undefined) return undefined;
  const label = `--${name}`;
  const what = min === 1 ? "a positive integer" : "an integer";
  if (!/^\d+$/.test(text.trim())) throw new TypeError(`${label} must be ${what}, got "${text}"`);
  return checkInteger(label, Number(text.trim()), min, max);
}

const _ANOMALY_FORMAT = "KIND:EVENT:YYYY-MM-DD:FACTOR (e.g. drop:start_listing:2026-03-10:0.5)";

/**
 * Parse one `--plant-anomaly` value, `KIND:EVENT:YYYY-MM-DD:FACTOR`. Checks the format, kind,
 * event name and factor; the date is checked against the period by
 * {@linkcode checkPlantAnomaly}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parsePlantAnomaly("drop:start_listing:2026-03-10:0.5"), {
 *   kind: "drop",
 *   event: "start_listing",
 *   date: "2026-03-10",
 *   factor: 0.5,
 * });
 * ```
 */
export function parsePlantAnomaly(text: string): PlantAnomalyOptions {
  const parts = text.trim().split(":");
  const [kind, event, date, factorText] = parts;
  if (parts.length !== 4 || !/^\d+(\.\d+)?$/.test(factorText ?? "")) {
    throw new TypeError(`--plant-anomaly must be ${_ANOMALY_FORMAT}, got "${text}"`);
  }
  if (!(ANOMALY_KINDS as readonly string[]).includes(kind!)) {
    throw new TypeError(
      `--plant-anomaly: kind must be one of ${
        ANOMALY_KINDS.join(", ")
      }, got "${kind}" in "${text}"`,
    );
  }
  return {
    kind: kind as AnomalyKind,
    event: event as EventName,
    date: date!,
    factor: Number(factorText),
  };
}

/**
 * Turn parsed flag values (from a parseArgs spec including {@linkcode GENERATE_FLAGS}) into
 * generator options, validating each value and naming the flag on error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { options, out } = generateArgsFromValues({ users: "100", gzip: true });
 * assert.deepEqual(options, { users: 100, gzip: true });
 * assert.equal(out, "data/raw");
 * assert.throws(() => generateArgsFromValues({ users: "many" }), /--users must be a positive/);
 * ```
 */
export function generateArgsFromValues(
  values: { [K in keyof typeof GENERATE_FLAGS]?: string | boolean | string[] },
): GenerateArgs {
  const text = (key: keyof typeof GENERATE_FLAGS) => {
    const v = values[key];
    return typeof v === "string" ? v : undefined;
  };
  const options: GenerateOptions = {};
  const users = _integerFlag("users", text("users"), 1, MAX_USERS);
  if (users !== undefined) options.users = users;
  const days = _integerFlag("days", text("days"), 1, MAX_DAYS);
  if (days !== undefined) options.days = days;
  const seed = _integerFlag("seed", text("seed"), 0, 0xffffffff);
  if (seed !== undefined) options.seed = seed;
  const start = text("start");
  if (start !== undefined) {
    checkDate("--start", start);
    options.start = start;
  }
  checkPeriod(
    checkDate("--start", options.start ?? DEFAULT_START),
    options.days ?? DEFAULT_DAYS,
    { start: start === undefined ? "the default start" : "--start", days: "--days" },
  );
  if (values.gzip === true) options.gzip = true;
  const anomalies = values["plant-anomaly"];
  if (Array.isArray(anomalies) && anomalies.length > 0) {
    const start = options.start ?? DEFAULT_START;
    const days = options.days ?? DEFAULT_DAYS;
    options.plantAnomalies = anomalies.map((text) => {
      const spec = parsePlantAnomaly(text);
      checkPlantAnomaly("--plant-anomaly", spec, start, days);
      return spec;
    });
  }
  const out = text("out") ?? DEFAULT_OUT_DIR;
  if (out.trim() === "") throw new TypeError(`--out must be a directory path, got ""`);
  return { options, out, help: values.help === true };
}

/**
 * Parse `deno task generate` arguments. Unknown flags and stray positionals are errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { options, out } = parseGenerateArgs(["--users", "2000", "--days", "30", "--out", "/tmp/d"]);
 * assert.deepEqual(options, { users: 2000, days: 30 });
 * assert.equal(out, "/tmp/d");
 * assert.throws(() => parseGenerateArgs(["--user", "5"]), /Unknown flag "--user" for generate/);
 * ```
 */
export function parseGenerateArgs(args: string[]): GenerateArgs {
  let parsed;
  try {
    parsed = parseArgs({ args, options: GENERATE_FLAGS, strict: true, allowPositionals: false });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) {
      throw new TypeError(
        `Unknown flag "${unknown[1]}" for generate: expected one of ${
          Object.keys(GENERATE_FLAGS).map((f) => `--${f}`).join(", ")
        }`,
      );
    }
    throw new TypeError(`Cannot parse generate flags: ${message}`);
  }
  return generateArgsFromValues(parsed.values);
}
