/**
 * What every task entry point shares: one flag parser, one exit-code convention, the
 * warehouse from flags and environment, and console formatting. Entry points import this
 * file and `lib/`, never each other.
 *
 * Exit codes (every task):
 * - `0` success;
 * - `1` the run failed: a model or error-severity data test failed, an input file is missing
 *   or broken, the warehouse refused a statement;
 * - `2` the command line or configuration is wrong (unknown flag, bad value, bad
 *   `TERRALOOP_*` setting), found before any work is done.
 *
 * @module
 */
import { formatSeconds } from "../lib/format/mod.ts";
import { parseArgs, type ParseArgsConfig } from "node:util";
import {
  CredentialsError,
  openWarehouse,
  type OpenWarehouseOptions,
  type Warehouse,
  type WarehouseConfig,
  warehouseConfigFromEnv,
  type WarehouseFlags,
} from "../lib/warehouse/mod.ts";

/** The exit codes of every task (see the module comment and README). */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The run failed. */
  failure: 1,
  /** Wrong flags or configuration. */
  usage: 2,
} as const;

/** A wrong flag, argument or setting: the task exits with {@linkcode EXIT.usage}. */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/** Options of {@linkcode parseTaskArgs}. */
export interface ParseTaskArgsOptions {
  /**
   * Positional arguments allowed.
   * @default {0}
   */
  maxPositionals?: number;
}

/**
 * Parse a task's flags (`--help` is added to every task): prints `usage` and exits 0 on
 * `--help`; throws {@linkcode UsageError} naming the flag for an unknown flag, a missing value
 * or too many positional arguments.
 */
export function parseTaskArgs<T extends FlagSpec>(
  args: string[],
  flags: T,
  usage: string,
  options: ParseTaskArgsOptions = {},
) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      // `help` is added for every task; the cast keeps the caller's option types precise.
      options: { ...flags, help: { type: "boolean", short: "h" } } as T,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const text = errorMessage(error);
    const unknown = /^Unknown option '([^']+)'/.exec(text);
    if (unknown) {
      const known = [...Object.keys(flags), "help"].map((name) => `--${name}`).join(", ");
      throw new UsageError(`Unknown flag "${unknown[1]}": expected one of ${known}`);
    }
    throw new UsageError(text);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage.trim());
    Deno.exit(EXIT.ok);
  }
  const allowed = options.maxPositionals ?? 0;
  if (parsed.positionals.length > allowed) {
    const extra = parsed.positionals.slice(allowed).map((p) => `"${p}"`).join(", ");
    throw new UsageError(
      allowed === 0
        ? `Unexpected argument ${extra}`
        : `Unexpected argument ${extra}: at most ${allowed} expected`,
    );
  }
  return parsed;
}

/** Run `check`; whatever it throws becomes a {@linkcode UsageError} (validation of flags). */
export function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError(errorMessage(error), {
      cause: error,
    });
  }
}

/**
 * Run a task's `main` and exit with its code: what it returns (0 when nothing),
 * {@linkcode EXIT.usage} for a {@linkcode UsageError}, {@linkcode EXIT.failure} for any other
 * error, printed as one `error: …` line on stderr.
 */
export async function runTask(main: () => Promise<number | void> | number | void): Promise<never> {
  let code: number;
  try {
    code = (await main()) ?? EXIT.ok;
  } catch (error) {
    console.error(`error: ${errorMessage(error)}`);
    if (error instanceof UsageError) console.error("Run with --help for usage.");
    code = error instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
  Deno.exit(code);
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The warehouse chosen by flags and environment (TERRALOOP_WAREHOUSE, TERRALOOP_DUCKDB_PATH,
 * TERRALOOP_BQ_*): embedded DuckDB unless BigQuery is configured. A wrong setting is a
 * {@linkcode UsageError} naming it.
 */
export function taskWarehouseConfig(flags: WarehouseFlags): WarehouseConfig {
  return asUsage(() => warehouseConfigFromEnv(Deno.env.toObject(), flags));
}

/**
 * Open the warehouse chosen by flags and environment (see {@linkcode taskWarehouseConfig}).
 * Missing or unusable credentials are a {@linkcode UsageError} too (a setting to fix).
 */
export async function openTaskWarehouse(
  flags: WarehouseFlags,
  options: OpenWarehouseOptions = {},
): Promise<Warehouse> {
  const config = taskWarehouseConfig(flags);
  try {
    return await openWarehouse(config, options);
  } catch (error) {
    if (error instanceof CredentialsError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/** The BigQuery flags every warehouse task takes (help text in {@linkcode BIGQUERY_USAGE}). */
export const BIGQUERY_FLAGS = {
  target: { type: "string" },
  "bigquery-project": { type: "string" },
  "dataset-prefix": { type: "string" },
  location: { type: "string" },
  "maximum-bytes-billed": { type: "string" },
  "memory-limit": { type: "string" },
  "temp-directory": { type: "string" },
} as const;

/** Help lines of {@linkcode BIGQUERY_FLAGS}. */
export const BIGQUERY_USAGE = `
  --target WAREHOUSE      duckdb (default) or bigquery (or TERRALOOP_WAREHOUSE)
  --bigquery-project ID   BigQuery project (or TERRALOOP_BQ_PROJECT, GOOGLE_CLOUD_PROJECT)
  --dataset-prefix P      BigQuery dataset prefix: schema marts -> P_marts (or
                          TERRALOOP_BQ_DATASET_PREFIX; default terraloop)
  --location LOC          BigQuery location of datasets and jobs (or TERRALOOP_BQ_LOCATION;
                          default US)
  --maximum-bytes-billed N  BigQuery: bytes billed limit of every query job; a table model
                          estimated over it fails before it runs (or
                          TERRALOOP_BQ_MAXIMUM_BYTES_BILLED; default none)
  --memory-limit SIZE     DuckDB memory limit, e.g. 2GB; larger sorts spill to disk (or
                          TERRALOOP_MEMORY_LIMIT; default 40% of RAM, at most 2.5 GiB)
  --temp-directory DIR    where DuckDB spills (or TERRALOOP_DUCKDB_TEMP_DIR; default
                          <warehouse>.tmp)`.slice(1);

/** The warehouse flags of {@linkcode BIGQUERY_FLAGS} as `WarehouseFlags`. */
export function bigQueryFlags(values: {
  target?: string;
  "bigquery-project"?: string;
  "dataset-prefix"?: string;
  location?: string;
  "maximum-bytes-billed"?: string;
  "memory-limit"?: string;
  "temp-directory"?: string;
}): WarehouseFlags {
  return {
    target: values.target,
    bigqueryProject: values["bigquery-project"],
    datasetPrefix: values["dataset-prefix"],
    location: values.location,
    maximumBytesBilled: values["maximum-bytes-billed"],
    memoryLimit: values["memory-limit"],
    tempDirectory: values["temp-directory"],
  };
}

/** A progress line that rewrites itself on a terminal and prints sparsely otherwise. */
export function progress(label: string) {
  const tty = Deno.stdout.isTerminal();
  let lastPrinted = 0;
  return (done: number, total: number, detail = "") => {
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    const line = `  ${label} ${done}/${total} (${pct}%) ${detail}`;
    if (tty) {
      Deno.stdout.writeSync(
        new TextEncoder().encode(`\r\x1b[2K${line}${done === total ? "\n" : ""}`),
      );
    } else if (done === total || pct >= lastPrinted + 25) {
      lastPrinted = pct;
      console.log(line);
    }
  };
}

/** Print the one-line outcome of a pipeline stage. */
export function stageLine(stage: string, parts: string[], seconds: number) {
  console.log(`✔ ${stage.padEnd(9)} ${parts.join(", ")} — ${formatSeconds(seconds)}`);
}
