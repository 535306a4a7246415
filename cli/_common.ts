// Shared console helpers for the task entry points: flags, help, numbers, stage lines.
import { parseArgs, type ParseArgsConfig } from "node:util";
import {
  openWarehouse,
  type Warehouse,
  type WarehouseConfig,
  warehouseConfigFromEnv,
  type WarehouseFlags,
} from "../lib/warehouse/mod.ts";

/** Default locations, relative to the project root (the tasks run from there). */
export const DEFAULTS = {
  rawDir: "data/raw",
  warehouse: "data/warehouse.duckdb",
  modelsDir: "sql",
  targetDir: "target",
  reportsDir: "reports",
} as const;

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parse task flags; prints `usage` and exits on `--help`, and turns parse errors into one
 * clear line naming the flag.
 */
export function parseTaskArgs<T extends Options>(
  args: string[],
  options: T,
  usage: string,
  allowPositionals = false,
) {
  try {
    const parsed = parseArgs({
      args,
      // `help` is added for every task; the cast keeps the caller's option types precise.
      options: { ...options, help: { type: "boolean", short: "h" } } as T,
      allowPositionals: true,
      strict: true,
    });
    if ((parsed.values as { help?: boolean }).help) {
      console.log(usage.trim());
      Deno.exit(0);
    }
    if (!allowPositionals && parsed.positionals.length > 0) {
      throw new TypeError(`Unexpected argument "${parsed.positionals[0]}"`);
    }
    return parsed;
  } catch (error) {
    fail(`${error instanceof Error ? error.message : error}\n\n${usage.trim()}`);
  }
}

/** Print an error in one place and exit non-zero. */
export function fail(message: string): never {
  console.error(`error: ${message}`);
  Deno.exit(1);
}

/** `1234567` → `1,234,567`. */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Rows per second, compact: `512k rows/s`. */
export function fmtRate(rows: number, seconds: number): string {
  if (seconds <= 0) return "-";
  const rate = rows / seconds;
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)}M rows/s`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(0)}k rows/s`;
  return `${rate.toFixed(0)} rows/s`;
}

/** Seconds with a sensible precision. */
export function fmtSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}

/** Peak resident memory of this process so far, in MiB (Linux), else current RSS. */
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
  console.log(`✔ ${stage.padEnd(9)} ${parts.join(", ")} — ${fmtSeconds(seconds)}`);
}

/**
 * Open the warehouse chosen by flags and environment (TERRALOOP_WAREHOUSE,
 * TERRALOOP_DUCKDB_PATH, TERRALOOP_BQ_*): embedded DuckDB unless BigQuery is configured.
 * Exits with the setting named when the configuration is wrong.
 */
export async function openTaskWarehouse(
  flags: WarehouseFlags,
): Promise<{ warehouse: Warehouse; config: WarehouseConfig; label: string }> {
  let config: WarehouseConfig;
  try {
    config = warehouseConfigFromEnv(Deno.env.toObject(), flags);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const label = config.kind === "duckdb"
    ? config.path
    : `bigquery:${config.projectId} (${config.datasetPrefix}_*, ${config.location})`;
  try {
    return { warehouse: await openWarehouse(config), config, label };
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}
