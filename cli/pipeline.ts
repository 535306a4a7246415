/**
 * `deno task pipeline`: generate → load → models (build + data tests) → report, printing one
 * line per stage. The stages are `runPipeline` in lib/pipeline; this file parses flags,
 * prints and picks the exit code.
 *
 * @module
 */
import { formatSeconds } from "../lib/format/mod.ts";
import { GENERATE_FLAGS, generateArgsFromValues } from "../lib/generate/mod.ts";
import { isRemoteDataset } from "../lib/load/mod.ts";
import { PIPELINE_DEFAULTS, type PipelineEvent, runPipeline } from "../lib/pipeline/mod.ts";
import { warehouseLabel } from "../lib/warehouse/mod.ts";
import {
  asUsage,
  BIGQUERY_FLAGS,
  BIGQUERY_USAGE,
  bigQueryFlags,
  errorMessage,
  EXIT,
  openTaskWarehouse,
  parseTaskArgs,
  progress,
  runTask,
  taskWarehouseConfig,
  UsageError,
} from "./_common.ts";
import {
  loadTicker,
  printGenerateDone,
  printIdSync,
  printLoadDone,
  printModelsDone,
  printModelsEvent,
  printModelsResults,
  printReportDone,
} from "./_print.ts";

const D = PIPELINE_DEFAULTS;

/** Help of `deno task pipeline`; every default is the constant the code uses. */
const PIPELINE_USAGE = `
Run every stage in order on the warehouse (embedded DuckDB unless configured otherwise):
generate → load → models (build + data tests) → report.

usage: deno task pipeline [generator options] [--warehouse FILE | --target bigquery]
                          [--skip-generate]

  --users N           registry users (default ${D.users}: about 1M events over ${D.days} days)
  --days D            days in the period (default ${D.days})
  --start DATE        first day, YYYY-MM-DD (default ${D.start})
  --seed S            random seed (default ${D.seed})
  --out DIR           dataset directory (default ${D.rawDir}); with --skip-generate on
                      BigQuery also gs://bucket/prefix/ (loaded from Cloud Storage)
  --gzip              write gzipped event files
  --warehouse FILE    DuckDB file (default ${D.warehousePath}, or TERRALOOP_DUCKDB_PATH)
${BIGQUERY_USAGE}
  --skip-generate     reuse the dataset already in --out
  --target-dir DIR    where run_results.json goes (default ${D.targetDir})
  --report FILE       the HTML report (default ${D.reportPath})
  -h, --help          this help

BigQuery credentials come from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS
or \`gcloud auth application-default login\`); see README.

Exit codes: 0 done; 1 a stage failed (an error-severity data test names its model and test);
2 a wrong flag or setting, found before any work.
`;

async function main(): Promise<number> {
  const { help: _help, ...generateFlags } = GENERATE_FLAGS;
  const { values } = parseTaskArgs(Deno.args, {
    ...generateFlags,
    ...BIGQUERY_FLAGS,
    warehouse: { type: "string" },
    "skip-generate": { type: "boolean", default: false },
    "target-dir": { type: "string", default: D.targetDir },
    report: { type: "string", default: D.reportPath },
  }, PIPELINE_USAGE);
  const generate = asUsage(() => generateArgsFromValues(values));
  if (isRemoteDataset(generate.out) && !values["skip-generate"]) {
    throw new UsageError(
      `--out "${generate.out}" is a remote location: generate writes local files, so use ` +
        `--skip-generate to load an existing dataset from it`,
    );
  }
  const flags = { ...bigQueryFlags(values), warehouse: values.warehouse };
  const warehouseConfig = taskWarehouseConfig(flags);

  const started = performance.now();
  let ok = false;
  // Opened first, so a bad setting or missing credentials stop the run before any work.
  const warehouse = await openTaskWarehouse(flags);
  try {
    const summary = await runPipeline({
      warehouse,
      generate: generate.options,
      out: generate.out,
      skipGenerate: values["skip-generate"],
      targetDir: values["target-dir"],
      reportPath: values.report,
      onEvent: printer(),
    });
    if (!summary.success) {
      console.error(
        `\nerror: the pipeline stopped after the models stage:\n  ${summary.errors.join("\n  ")}`,
      );
    }
    ok = summary.success;
  } catch (error) {
    console.error(`error: ${errorMessage(error)}`);
  } finally {
    await warehouse.close();
  }
  console.log(
    `${ok ? "✔" : "✘"} pipeline  ${ok ? "done" : "failed"} — ${
      formatSeconds((performance.now() - started) / 1000)
    } (warehouse ${warehouseLabel(warehouseConfig)})`,
  );
  return ok ? EXIT.ok : EXIT.failure;
}

/** Prints the pipeline's events as they come. */
function printer(): (event: PipelineEvent) => void {
  const tickWrite = progress("writing files");
  const tickLoad = loadTicker();
  return (event) => {
    switch (event.type) {
      case "generate_progress":
        if (event.progress.stage === "write") {
          tickWrite(event.progress.done, event.progress.total, event.progress.file ?? "");
        }
        break;
      case "load_progress":
        tickLoad(event.progress);
        break;
      case "models_progress":
        printModelsEvent(event.event);
        break;
      case "id_sync":
        printIdSync(event.idSync);
        break;
      case "stage_done":
        switch (event.summary.stage) {
          case "generate":
            return printGenerateDone(event.summary);
          case "load":
            return printLoadDone(event.summary);
          case "models":
            printModelsResults(event.summary);
            return printModelsDone(event.summary);
          case "report":
            return printReportDone(event.summary);
        }
    }
  };
}

if (import.meta.main) await runTask(main);
