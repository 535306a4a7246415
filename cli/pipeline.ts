/**
 * `deno task pipeline`: generate → load → models (build + data tests) → checks → report →
 * alerts, printing one line per stage. The stages are `runPipeline` in lib/pipeline; this
 * file parses flags and settings, prints and picks the exit code.
 *
 * @module
 */
import { DEFAULT_SUPPRESSION_HOURS, workflowRunUrl } from "../lib/alerts/mod.ts";
import { formatSeconds } from "../lib/format/mod.ts";
import { GENERATE_FLAGS, generateArgsFromValues } from "../lib/generate/mod.ts";
import { isRemoteDataset } from "../lib/load/mod.ts";
import { PIPELINE_DEFAULTS, type PipelineEvent, runPipeline } from "../lib/pipeline/mod.ts";
import { warehouseLabel, warehouseMemoryLabel } from "../lib/warehouse/mod.ts";
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
  printAlertsDone,
  printChecksDone,
  printChecksEvent,
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
generate → load → models (build + data tests) → checks → report → alerts. Every run is
appended to the audit tables (audit.pipeline_runs, model_runs, data_test_results,
check_results, check_series, payload_schemas, alert_state).

usage: deno task pipeline [generator options] [--warehouse FILE | --target bigquery]
                          [--skip-generate] [--checks-now TIME] [--suppression-hours H]
                          [--no-alerts]

  --users N           registry users (default ${D.users}: about 1M events over ${D.days} days)
  --days D            days in the period (default ${D.days})
  --start DATE        first day, YYYY-MM-DD (default ${D.start})
  --seed S            random seed (default ${D.seed})
  --out DIR           dataset directory (default ${D.rawDir}); with --skip-generate on
                      BigQuery also gs://bucket/prefix/ (loaded from Cloud Storage)
  --gzip              write gzipped event files
  --plant-anomaly KIND:EVENT:DATE:FACTOR
                      plant a one-day volume drop or spike, recorded in truth.json
                      (repeatable), e.g. drop:start_listing:2026-03-10:0.5; the volume
                      check on stg_events flags that day
  --warehouse FILE    DuckDB file (default ${D.warehousePath}, or TERRALOOP_DUCKDB_PATH)
${BIGQUERY_USAGE}
  --skip-generate     reuse the dataset already in --out
  --target-dir DIR    where run_results.json goes (default ${D.targetDir})
  --report FILE       the HTML report (default ${D.reportPath})
  --checks-now TIME   the time checks compare with, ISO-8601 (or TERRALOOP_CHECKS_NOW);
                      default: the dataset's end from truth.json, else the wall clock
  --suppression-hours H
                      hours an unchanged failure is not alerted again (default
                      ${DEFAULT_SUPPRESSION_HOURS}, or TERRALOOP_ALERT_SUPPRESSION_HOURS; a
                      check's alert_suppression_interval wins)
  --no-alerts         do not alert (nor read or write the alert state)
  -h, --help          this help

Alerts: one message per run about failing or warning data tests, failed models and
anomalous checks (new, changed, or still failing after the suppression interval) and
recoveries. With SLACK_WEBHOOK_URL set it is posted to that Slack incoming webhook (the
URL is a secret: never printed or recorded); without it, it is printed here. Slack being
down or slow never fails the run: a warning line says so.

BigQuery credentials come from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS
or \`gcloud auth application-default login\`); see README.

Exit codes: 0 done; 1 a stage failed (a model, an error-severity data test or an
error-severity check; the report and alerts are still written where possible); 2 a wrong
flag or setting, found before any work.
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
    "checks-now": { type: "string" },
    "suppression-hours": { type: "string" },
    "no-alerts": { type: "boolean", default: false },
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
  const env = Deno.env.toObject();
  const checksNow = asUsage(() =>
    _time(
      values["checks-now"] ?? env.TERRALOOP_CHECKS_NOW,
      values["checks-now"] !== undefined ? "--checks-now" : "TERRALOOP_CHECKS_NOW",
    )
  );
  const suppressionHours = asUsage(() =>
    _hours(
      values["suppression-hours"] ?? env.TERRALOOP_ALERT_SUPPRESSION_HOURS,
      values["suppression-hours"] !== undefined
        ? "--suppression-hours"
        : "TERRALOOP_ALERT_SUPPRESSION_HOURS",
    )
  );
  const webhookUrl = env.SLACK_WEBHOOK_URL?.trim() || null;

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
      ...(checksNow ? { checksNow } : {}),
      alerts: values["no-alerts"] ? false : {
        webhookUrl,
        ...(suppressionHours === undefined ? {} : { suppressionHours }),
        ...(workflowRunUrl(env) ? { link: workflowRunUrl(env) } : {}),
      },
      trigger: env.GITHUB_EVENT_NAME || "cli",
      versions: await _gitVersion(env),
      onEvent: printer(),
    });
    if (!summary.success) {
      console.error(`\nerror: the pipeline failed:\n  ${summary.errors.join("\n  ")}`);
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
    } (warehouse ${warehouseLabel(warehouseConfig)}${
      warehouseMemoryLabel(warehouseConfig) ? `, ${warehouseMemoryLabel(warehouseConfig)}` : ""
    })`,
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
      case "checks_progress":
        printChecksEvent(event.event);
        break;
      case "warning":
        console.warn(`  warning: ${event.message}`);
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
          case "checks":
            return printChecksDone(event.summary);
          case "report":
            return printReportDone(event.summary);
          case "alerts":
            return printAlertsDone(event.summary);
        }
    }
  };
}

/** An ISO-8601 time from a flag or setting, or undefined when not given. */
function _time(text: string | undefined, name: string): Date | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = text.trim();
  const date = new Date(/^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(date.getTime())) {
    throw new TypeError(
      `${name} must be an ISO-8601 time such as 2026-04-01T00:00:00Z, got "${value}"`,
    );
  }
  return date;
}

/** Hours ≥ 0 from a flag or setting, or undefined when not given. */
function _hours(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const hours = Number(text.trim());
  if (!Number.isFinite(hours) || hours < 0) {
    throw new TypeError(`${name} must be a number of hours ≥ 0, got "${text}"`);
  }
  return hours;
}

/** The commit being run: GITHUB_SHA inside Actions, else `git rev-parse HEAD` when it works. */
async function _gitVersion(env: Record<string, string>): Promise<Record<string, string>> {
  if (env.GITHUB_SHA) return { git: env.GITHUB_SHA };
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(5_000),
    }).output();
    const commit = new TextDecoder().decode(out.stdout).trim();
    return out.success && /^[0-9a-f]{40}$/.test(commit) ? { git: commit } : {};
  } catch {
    return {};
  }
}

if (import.meta.main) await runTask(main);
