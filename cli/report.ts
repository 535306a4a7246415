// deno task report [--warehouse FILE] [--truth FILE] [--run-results FILE] [--out FILE]
import { dirname } from "node:path";
import {
  activationInsight,
  affinityInsight,
  buildReport,
  collectReportData,
  MissingMartsError,
  regionalInsight,
} from "../lib/report/mod.ts";
import { openDuckDb, type Warehouse, warehouseConfigFromEnv } from "../lib/warehouse/mod.ts";
import { DEFAULTS, fail, fmtSeconds, parseTaskArgs, stageLine } from "./_common.ts";

/** Default output file of the report task. */
export const DEFAULT_REPORT_PATH = `${DEFAULTS.reportsDir}/terraloop-report.html`;

const USAGE = `
Build the stakeholder report: one self-contained HTML file (works offline) with the three
headline findings computed from the marts, retention, activity by region, data health and
the run's parameters and timings.

usage: deno task report [--warehouse FILE] [--truth FILE] [--run-results FILE] [--out FILE]

  --warehouse FILE     DuckDB file with built marts (default ${DEFAULTS.warehouse},
                       or TERRALOOP_DUCKDB_PATH); the report reads DuckDB only
  --truth FILE         the dataset's truth.json, for seed and scale
                       (default ${DEFAULTS.rawDir}/truth.json; a missing file is noted)
  --run-results FILE   the models run's results, for data tests and model timings
                       (default ${DEFAULTS.targetDir}/run_results.json; else the audit table)
  --out FILE           where to write the report (default ${DEFAULT_REPORT_PATH})
  -h, --help           this help
`;

/** Options of {@linkcode runReportStage}. */
export interface ReportStageOptions {
  /** The dataset's truth.json. @default "data/raw/truth.json" */
  truthPath?: string;
  /** run_results.json of the models run. @default "target/run_results.json" */
  runResultsPath?: string;
  /** Output file. @default "reports/terraloop-report.html" */
  out?: string;
}

/** What {@linkcode runReportStage} wrote. */
export interface ReportStageResult {
  /** Path written. */
  path: string;
  /** File size in bytes. */
  bytes: number;
  /** Seconds for queries and metrics. */
  collectSeconds: number;
  /** Seconds from start to file written. */
  seconds: number;
}

/**
 * Collect, render and write the report, printing one stage line; shared with the pipeline
 * task. Throws `MissingMartsError` when the marts are not built.
 */
export async function runReportStage(
  warehouse: Warehouse,
  options: ReportStageOptions = {},
): Promise<ReportStageResult> {
  const started = performance.now();
  const out = options.out ?? DEFAULT_REPORT_PATH;
  const data = await collectReportData(warehouse, {
    truthPath: options.truthPath ?? `${DEFAULTS.rawDir}/truth.json`,
    runResultsPath: options.runResultsPath ?? `${DEFAULTS.targetDir}/run_results.json`,
  });
  const html = buildReport(data);
  await Deno.mkdir(dirname(out), { recursive: true });
  await Deno.writeTextFile(out, html);
  const bytes = (await Deno.stat(out)).size;
  const seconds = (performance.now() - started) / 1000;
  if (data.parameters.datasetProblem) {
    console.log(`  note: ${data.parameters.datasetProblem}; seed and scale are not shown`);
  }
  for (
    const insight of [
      activationInsight(data.activation),
      regionalInsight(data.regions),
      affinityInsight(data.affinity),
    ]
  ) {
    console.log(`  • ${insight.title}`);
  }
  stageLine("report", [
    `${out}`,
    `${(bytes / 1024 / 1024).toFixed(2)} MiB`,
    `queries and metrics ${fmtSeconds(data.timing.collectSeconds)}`,
  ], seconds);
  return { path: out, bytes, collectSeconds: data.timing.collectSeconds, seconds };
}

if (import.meta.main) {
  const { values } = parseTaskArgs(Deno.args, {
    warehouse: { type: "string" },
    truth: { type: "string", default: `${DEFAULTS.rawDir}/truth.json` },
    "run-results": { type: "string", default: `${DEFAULTS.targetDir}/run_results.json` },
    out: { type: "string", default: DEFAULT_REPORT_PATH },
  }, USAGE);
  let path: string;
  try {
    const config = warehouseConfigFromEnv(Deno.env.toObject(), { warehouse: values.warehouse });
    if (config.kind !== "duckdb") {
      throw new TypeError(
        "Cannot build report: it reads the DuckDB warehouse only, and TERRALOOP_WAREHOUSE " +
          `selects "${config.kind}"; unset it or pass --warehouse FILE`,
      );
    }
    path = config.path;
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  // Opening a missing file would create an empty warehouse; say what to run instead.
  try {
    await Deno.stat(path);
  } catch {
    fail(
      `Cannot build report: warehouse "${path}" does not exist; run \`deno task pipeline\` ` +
        "(or `deno task load` and `deno task models`) first",
    );
  }
  const warehouse = await openDuckDb(path).catch((e) => fail(e.message));
  let code = 0;
  try {
    await runReportStage(warehouse, {
      truthPath: values.truth,
      runResultsPath: values["run-results"],
      out: values.out,
    });
  } catch (error) {
    console.error(
      `error: ${
        error instanceof MissingMartsError || error instanceof Error ? error.message : error
      }`,
    );
    code = 1;
  } finally {
    await warehouse.close();
  }
  Deno.exit(code);
}
