// Models benchmark: loads a dataset directory into a fresh DuckDB file (not timed here),
// then builds every model with its data tests and reports the time per model.
// usage: deno run -A bench/models_bench.ts DIR
import { join } from "node:path";
import { PIPELINE_DEFAULTS, runLoadStage, runModelsStage } from "../lib/pipeline/mod.ts";
import { openDuckDb } from "../lib/warehouse/mod.ts";
import { report } from "./_bench.ts";

const dir = Deno.args[0] ?? PIPELINE_DEFAULTS.rawDir;
const scratch = await Deno.makeTempDir({ prefix: "terraloop-bench-models-" });
const wh = await openDuckDb(join(scratch, "bench.duckdb"));
try {
  const loaded = await runLoadStage(wh, { dir });
  const models = await runModelsStage(wh, { targetDir: null, audit: false });
  if (!models.success) throw new Error(`models failed: ${models.errors.join("; ")}`);
  const { results, seconds } = models;
  const modelSeconds = results.models.reduce((sum, m) => sum + m.seconds, 0);
  for (const model of results.models) {
    console.log(
      `  ${model.name.padEnd(26)} ${String(model.rows ?? "view").padStart(10)} rows ${
        model.seconds.toFixed(2)
      } s`,
    );
  }
  console.log(
    `  (model builds ${modelSeconds.toFixed(2)} s, data tests ${
      (seconds - modelSeconds).toFixed(2)
    } s)`,
  );
  report({
    stage: "models",
    rows: loaded.eventLines,
    seconds,
    rowsPerSecond: loaded.eventLines / seconds,
    peakRssMiB: models.peakRssMiB,
    target: "all models + tests <= 20 s at 1M raw events",
    pass: seconds <= 20,
    details: Object.fromEntries(results.models.map((m) => [m.name, m.seconds])),
  });
} finally {
  await wh.close();
  await Deno.remove(scratch, { recursive: true });
}
