// Shared helpers for benchmark scripts: peak memory and a machine-readable result line.

export { peakRssMiB } from "../lib/pipeline/mod.ts";

/** One benchmark figure. */
export interface BenchResult {
  stage: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMiB: number;
  target?: string;
  pass?: boolean;
  details?: Record<string, unknown>;
}

/** Print a result as a human line and a `BENCH {json}` line the orchestrator parses. */
export function report(result: BenchResult): void {
  console.log(
    `${result.stage}: ${result.rows.toLocaleString("en-US")} rows in ${
      result.seconds.toFixed(2)
    } s = ${Math.round(result.rowsPerSecond).toLocaleString("en-US")} rows/s, peak ${
      result.peakRssMiB.toFixed(0)
    } MiB${result.target ? ` (target ${result.target}: ${result.pass ? "met" : "MISSED"})` : ""}`,
  );
  console.log(`BENCH ${JSON.stringify(result)}`);
}
