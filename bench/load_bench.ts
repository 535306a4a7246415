// Load benchmark: loads an existing dataset directory into a fresh DuckDB file.
// usage: deno run -A bench/load_bench.ts DIR
import { join } from "node:path";
import { PIPELINE_DEFAULTS, runLoadStage } from "../lib/pipeline/mod.ts";
import { openDuckDb } from "../lib/warehouse/mod.ts";
import { report } from "./_bench.ts";

const dir = Deno.args[0] ?? PIPELINE_DEFAULTS.rawDir;
const scratch = await Deno.makeTempDir({ prefix: "terraloop-bench-load-" });
const wh = await openDuckDb(join(scratch, "bench.duckdb"));
try {
  const summary = await runLoadStage(wh, { dir });
  const rate = summary.eventLines / summary.seconds;
  report({
    stage: "load",
    rows: summary.eventLines,
    seconds: summary.seconds,
    rowsPerSecond: rate,
    peakRssMiB: summary.peakRssMiB,
    target: ">= 500k event lines/s, peak < 2 GiB",
    pass: rate >= 500_000 && summary.peakRssMiB < 2048,
    details: { files: summary.files.length, rows: summary.rows, rejected: summary.rejected },
  });
} finally {
  await wh.close();
  await Deno.remove(scratch, { recursive: true });
}
