/**
 * How the tasks print each stage's progress and summary (the stages themselves, in
 * `lib/pipeline`, never print). Shared by the stage tasks and `deno task pipeline`.
 *
 * @module
 */
import { formatCount, formatRate, formatSeconds } from "../lib/format/mod.ts";
import type { ModelResult, RunEvent, RunResults, TestResult } from "../lib/models/mod.ts";
import type {
  AlertsStageSummary,
  ChecksEvent,
  ChecksStageSummary,
  GenerateStageSummary,
  LoadProgress,
  LoadStageSummary,
  ModelsStageSummary,
  ReportStageSummary,
} from "../lib/pipeline/mod.ts";
import type { IdSyncRow } from "../lib/report/mod.ts";
import { progress, stageLine } from "./_common.ts";

/** The one-line outcome of the generate stage (the pipeline's format). */
export function printGenerateDone(summary: GenerateStageSummary): void {
  const c = summary.counts;
  stageLine("generate", [
    `${formatCount(c.events)} events in ${formatCount(c.lines)} lines`,
    `${formatCount(c.users)} users`,
    `${formatCount(c.listings)} listings`,
    `${formatCount(c.malformed)} malformed`,
    formatRate(c.events, summary.seconds).replace("rows", "events"),
    `peak ${summary.peakRssMiB.toFixed(0)} MiB`,
  ], summary.seconds);
}

/** A progress callback for the load stage: one line per file on a terminal, sparse otherwise. */
export function loadTicker(): (progress: LoadProgress) => void {
  const tick = progress("loading files");
  return (p) => tick(p.done, p.total, p.file.sourceFile);
}

/**
 * Rejected lines by table, pruned files, warnings (e.g. a CSV whose previous rows were kept),
 * and the one-line outcome of the load stage.
 */
export function printLoadDone(summary: LoadStageSummary): void {
  for (const { table, lines, files } of summary.rejectedLines) {
    const where = files.length <= 3
      ? files.map((f) => `${f.sourceFile} (${f.rejected})`).join(", ")
      : `${files.length} files`;
    console.log(
      `  ${formatCount(lines)} rejected lines in ${where} -> ${table}_rejected, with reasons`,
    );
  }
  if (summary.pruned.length > 0) {
    console.log(`  removed rows of ${summary.pruned.length} files no longer in ${summary.dir}`);
  }
  for (const warning of summary.warnings) console.warn(`  warning: ${warning}`);
  const kept = summary.files.filter((file) => file.status === "kept");
  if (kept.length > 0) {
    console.log(
      `  kept the previous rows of ${kept.map((file) => file.sourceFile).join(", ")} ` +
        "(nothing new could be loaded from it)",
    );
  }
  stageLine("load", [
    `${summary.files.length} files (${summary.unchanged} unchanged${
      kept.length > 0 ? `, ${kept.length} kept` : ""
    })`,
    `${formatCount(summary.rows)} rows`,
    `${formatCount(summary.rejected)} rejected`,
    formatRate(summary.rows + summary.rejected, summary.seconds),
    `peak ${summary.peakRssMiB.toFixed(0)} MiB`,
  ], summary.seconds);
}

/** One models-run event as the models task prints it (a line per model and test). */
export function printModelsEvent(event: RunEvent): void {
  switch (event.type) {
    case "start":
      console.log(
        event.mode === "build"
          ? `Building ${event.models.length} models with ${event.tests} data tests (run ${event.runId})`
          : `Testing ${event.models.length} models: ${event.tests} data tests (run ${event.runId})`,
      );
      break;
    case "model_done":
      console.log(modelLine(event.index, event.total, event.result));
      break;
    case "test_done":
      // Skipped tests are counted in the summary; their model's SKIP line says why.
      if (event.result.status !== "skipped") console.log(testLine(event.result));
      break;
    case "warning":
      console.warn(`  warning: ${event.message}`);
      break;
    case "done":
      printRunSummary(event.results);
      break;
  }
}

/** Where the models run's results went. */
export function printModelsResults(summary: ModelsStageSummary): void {
  if (summary.runResultsPath) console.log(`  results: ${summary.runResultsPath}`);
}

/** The one-line outcome of the models stage (the pipeline's format). */
export function printModelsDone(summary: ModelsStageSummary): void {
  stageLine("models", [
    `${summary.modelsBuilt}/${summary.modelsTotal} models`,
    `${formatCount(summary.rows)} rows`,
    `${summary.tests} tests (${summary.testsWarned} warn, ${summary.testsFailed} failed)`,
    formatRate(summary.rows, summary.seconds),
  ], summary.seconds);
}

/** The ID match rates of `mart_id_sync`, in one line. */
export function printIdSync(row: IdSyncRow): void {
  console.log(
    `  ID match with the user registry: ${row.match_before_pct}% of event rows before ` +
      `trim(upper()), ${row.match_after_non_orphan_pct}% of non-orphan rows after; ` +
      `${formatCount(row.n_orphan_events)} orphan events kept and flagged`,
  );
}

/** Notes, the headline findings, and the one-line outcome of the report stage. */
export function printReportDone(summary: ReportStageSummary): void {
  for (const note of summary.notes) console.log(`  note: ${note}`);
  for (const headline of summary.headlines) console.log(`  • ${headline}`);
  stageLine("report", [
    summary.path,
    `${(summary.bytes / 1024 / 1024).toFixed(2)} MiB`,
    `queries and metrics ${formatSeconds(summary.collectSeconds)}`,
  ], summary.seconds);
}

/** One checks-stage event: the time compared with, a line per check that did not pass. */
export function printChecksEvent(event: ChecksEvent): void {
  switch (event.type) {
    case "start":
      console.log(
        `Evaluating ${event.checks} checks against ${event.now.slice(0, 16).replace("T", " ")} UTC`,
      );
      break;
    case "check_done": {
      const r = event.result;
      const label = {
        pass: "pass",
        warn: "WARN",
        fail: "FAIL",
        error: "ERROR",
        skipped: "skip",
        not_enough_data: "wait",
      }[r.status];
      console.log(`      ${label.padEnd(5)} ${r.name} (${r.target}): ${r.message}`);
      break;
    }
    case "warning":
      console.warn(`  warning: ${event.message}`);
      break;
  }
}

/** The one-line outcome of the checks stage. */
export function printChecksDone(summary: ChecksStageSummary): void {
  const c = summary.counts;
  const parts = [
    `${summary.results.length} checks`,
    `${c.pass} pass`,
    `${c.warn} warn`,
    `${c.fail} failed`,
  ];
  if (c.error > 0) parts.push(`${c.error} could not run`);
  if (c.skipped > 0) parts.push(`${c.skipped} skipped`);
  if (c.not_enough_data > 0) parts.push(`${c.not_enough_data} not enough data`);
  stageLine("checks", parts, summary.seconds);
}

/**
 * The alerts stage: the message itself when it is for the console (no SLACK_WEBHOOK_URL),
 * else what happened to it; a delivery problem is one warning line, never a failure.
 */
export function printAlertsDone(summary: AlertsStageSummary): void {
  if (summary.channel === "console" && summary.text) {
    console.log(indent(summary.text, 2));
  }
  if (summary.warning) console.warn(`  warning: ${summary.warning}`);
  const said =
    `${summary.alerts} alerted, ${summary.resolved} resolved, ${summary.suppressed} not repeated`;
  const what = summary.channel === "none"
    ? `nothing new to say (${summary.suppressed} unchanged failure${
      summary.suppressed === 1 ? "" : "s"
    } not repeated)`
    : summary.channel === "console"
    ? `printed above (SLACK_WEBHOOK_URL not set): ${said}`
    : summary.delivered
    ? `one message posted to Slack: ${said}`
    : `Slack message NOT delivered (${summary.attempts} attempts): ${said}`;
  stageLine("alerts", [what], summary.seconds);
}

/** `[3/9] staging.stg_events ........ table 998,123 rows 1.42s` */
function modelLine(index: number, total: number, result: ModelResult): string {
  const counter = `[${index}/${total}]`.padEnd(String(total).length * 2 + 3);
  const head = `${counter} ${result.relation} `.padEnd(50, ".");
  if (result.status === "skipped") return `${head} SKIP  ${result.message}`;
  if (result.status === "error") {
    return `${head} ERROR ${formatSeconds(result.seconds)}\n${indent(result.message ?? "", 6)}`;
  }
  const rows = result.rows === null ? "" : `${formatCount(result.rows)} rows`;
  // Why an incremental model was built in full, or that a model was up to date.
  const note = result.message ? `  ${result.message.split(":")[0]}` : "";
  return `${head} ${result.materialized.padEnd(5)} ${rows.padStart(14)} ${
    formatSeconds(result.seconds)
  }${note}`;
}

function testLine(result: TestResult): string {
  const label = { pass: "pass", warn: "WARN", fail: "FAIL", error: "ERROR", skipped: "skip" }[
    result.status
  ];
  let line = `      ${label.padEnd(5)} ${result.name}`;
  if (result.failures) {
    line += ` (${formatCount(result.failures)} failing row${result.failures === 1 ? "" : "s"})`;
  }
  if (result.message) line += `: ${result.message.split("\n")[0]}`;
  if (result.sample.length > 0 && (result.status === "fail" || result.status === "warn")) {
    // Up to three rows, cut to one screen line each; run_results.json has five, in full.
    line += "\n" +
      result.sample.slice(0, 3).map((row) => `            ${clip(JSON.stringify(row), 110)}`)
        .join("\n");
  }
  return line;
}

function printRunSummary(results: RunResults): void {
  const m = results.summary.models;
  const t = results.summary.tests;
  // Models whose SQL and inputs had not changed count as built; say how many were.
  const current = results.models.filter((r) => r.message?.startsWith("up to date")).length;
  const models = results.mode === "build"
    ? `models: ${m.success} built${current > 0 ? ` (${current} up to date)` : ""}, ${m.error} ` +
      `failed, ${m.skipped} skipped; `
    : "";
  console.log(
    `${results.success ? "✔" : "✘"} ${models}tests: ${t.pass} pass, ${t.warn} warn, ` +
      `${t.fail} fail, ${t.error} error, ${t.skipped} skipped — ${
        formatSeconds(results.elapsedSeconds)
      }`,
  );
  for (const error of results.errors) console.error(`  ✘ ${error.split("\n").join("\n    ")}`);
}

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function indent(text: string, width: number): string {
  return text.split("\n").map((line) => " ".repeat(width) + line).join("\n");
}
