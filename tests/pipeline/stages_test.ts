// The stages of lib/pipeline as library calls: typed summaries, progress through callbacks,
// nothing printed; runPipeline chains them and stops after a failing error-severity test.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { TruthFile } from "../../lib/generate/mod.ts";
import {
  type GenerateStageSummary,
  type LoadProgress,
  type PipelineEvent,
  runGenerateStage,
  runLoadStage,
  runModelsStage,
  runPipeline,
  runReportStage,
} from "../../lib/pipeline/mod.ts";
import type { RunEvent } from "../../lib/models/mod.ts";
import { openDuckDb, type Relation, type Warehouse } from "../../lib/warehouse/mod.ts";

// Small and fast, with enough malformed lines to be rejected in every run.
const SMALL = { users: 150, days: 6, seed: 7, mess: { malformed: 0.01 } };

/** Runs `body` with every console method replaced; returns what would have been printed. */
async function silenced<T>(body: () => Promise<T>): Promise<{ value: T; printed: string[] }> {
  const printed: string[] = [];
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) console[m] = (...args: unknown[]) => printed.push(args.join(" "));
  try {
    return { value: await body(), printed };
  } finally {
    methods.forEach((m, i) => console[m] = saved[i]!);
  }
}

/** A DuckDB warehouse that records every relation it is asked to spell. */
function recording(inner: Warehouse): Warehouse & { asked: Relation[] } {
  const asked: Relation[] = [];
  return new Proxy(inner, {
    get(target, key) {
      if (key === "asked") return asked;
      if (key === "relation") {
        return (relation: Relation) => {
          asked.push(relation);
          return target.relation(relation);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Warehouse & { asked: Relation[] };
}

Deno.test({
  name: "the stage functions return typed summaries, report progress by callback and never print",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "tl-stages-" });
    const raw = join(dir, "raw");
    const wh = await openDuckDb(join(dir, "warehouse.duckdb"));
    try {
      let generated!: GenerateStageSummary;
      let truth!: TruthFile;

      await t.step("runGenerateStage(): the generator's summary plus stage figures", async () => {
        const stages: string[] = [];
        const { value, printed } = await silenced(() =>
          runGenerateStage({ ...SMALL, out: raw, onProgress: (p) => stages.push(p.stage) })
        );
        generated = value;
        truth = JSON.parse(await Deno.readTextFile(join(raw, "truth.json")));
        assert.deepEqual(printed, []);
        assert.equal(generated.stage, "generate");
        assert.equal(generated.outDir, raw);
        assert.equal(generated.rows, truth.counts.events);
        assert.deepEqual(generated.counts, truth.counts);
        assert.ok(generated.seconds > 0 && generated.peakRssMiB > 0);
        assert.deepEqual([...new Set(stages)], ["simulate", "mess", "write"]);
        assert.equal(stages.filter((s) => s === "write").length, generated.files.length);
      });

      await t.step(
        "runLoadStage(): one progress call per file, rejected lines by table",
        async () => {
          const progress: LoadProgress[] = [];
          const { value: load, printed } = await silenced(() =>
            runLoadStage(wh, { dir: raw, onProgress: (p) => progress.push(p) })
          );
          assert.deepEqual(printed, []);
          assert.equal(load.stage, "load");
          assert.equal(load.dir, raw);
          assert.deepEqual(progress.map((p) => p.done), load.files.map((_, i) => i + 1));
          assert.ok(progress.every((p) => p.total === load.files.length));
          assert.equal(load.eventLines, truth.counts.lines);
          assert.equal(load.rejected, truth.counts.malformed);
          assert.ok(truth.counts.malformed > 0, "the dataset should have malformed lines");
          assert.deepEqual(load.rejectedLines.map((r) => [r.table, r.lines]), [
            ["raw.events", truth.counts.malformed],
          ]);
          const perFile = load.rejectedLines[0]!.files.reduce((sum, f) => sum + f.rejected, 0);
          assert.equal(perFile, truth.counts.malformed);
          assert.ok(load.peakRssMiB > 0);

          const again = await runLoadStage(wh, { dir: raw });
          assert.equal(again.unchanged, again.files.length);
          assert.equal(again.rows + again.rejected, 0);
          assert.deepEqual(again.rejectedLines, []);
        },
      );

      await t.step(
        "runModelsStage(): counts match run_results.json; events by callback",
        async () => {
          const events: RunEvent["type"][] = [];
          const targetDir = join(dir, "target");
          const { value: models, printed } = await silenced(() =>
            runModelsStage(wh, { targetDir, onProgress: (e) => events.push(e.type) })
          );
          assert.deepEqual(printed, []);
          assert.equal(models.stage, "models");
          assert.ok(models.success, models.errors.join("\n"));
          assert.equal(models.runResultsPath, join(targetDir, "run_results.json"));
          const written = JSON.parse(await Deno.readTextFile(models.runResultsPath!));
          assert.equal(written.runId, models.results.runId);
          assert.equal(models.modelsTotal, written.models.length);
          assert.equal(models.modelsBuilt, models.modelsTotal);
          assert.equal(models.tests, written.tests.length);
          assert.equal(models.testsFailed, 0);
          assert.equal(models.testsWarned, written.summary.tests.warn);
          const tableRows = written.models.reduce(
            (sum: number, m: { rows: number | null }) => sum + (m.rows ?? 0),
            0,
          );
          assert.equal(models.rows, tableRows);
          assert.equal(events[0], "start");
          assert.equal(events.at(-1), "done");
          assert.equal(events.filter((e) => e === "model_done").length, models.modelsTotal);
        },
      );

      await t.step("runReportStage(): the file, its size and the three headlines", async () => {
        const out = join(dir, "report.html");
        const { value: report, printed } = await silenced(() =>
          runReportStage(wh, {
            truthPath: join(raw, "truth.json"),
            runResultsPath: join(dir, "target", "run_results.json"),
            out,
          })
        );
        assert.deepEqual(printed, []);
        assert.equal(report.stage, "report");
        assert.equal(report.path, out);
        assert.equal(report.bytes, (await Deno.stat(out)).size);
        assert.equal(report.headlines.length, 3);
        assert.match(report.headlines[0]!, /Basic/);
        assert.deepEqual(report.notes, []);
        assert.ok(report.collectSeconds <= report.seconds);
      });

      await t.step("a missing truth.json is a note in the summary, not an error", async () => {
        const report = await runReportStage(wh, {
          truthPath: join(dir, "nope.json"),
          runResultsPath: join(dir, "target", "run_results.json"),
          out: join(dir, "report2.html"),
        });
        assert.equal(report.notes.length, 1);
        assert.match(report.notes[0]!, /seed and scale are not shown/);
      });
    } finally {
      await wh.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "runPipeline() opens the warehouse first, runs every stage in order and stops after " +
    "a failing error-severity test",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "tl-run-pipeline-" });
    const raw = join(dir, "raw");
    const options = {
      generate: SMALL,
      out: raw,
      targetDir: join(dir, "target"),
      reportPath: join(dir, "report.html"),
    };
    try {
      await t.step("events arrive stage by stage; the summary holds every stage", async () => {
        const events: PipelineEvent[] = [];
        const { value: summary, printed } = await silenced(() =>
          runPipeline({
            ...options,
            warehouseConfig: { kind: "duckdb", path: join(dir, "warehouse.duckdb") },
            onEvent: (e) => events.push(e),
          })
        );
        assert.deepEqual(printed, []);
        assert.ok(summary.success, summary.errors.join("\n"));
        assert.deepEqual(summary.errors, []);
        assert.equal(summary.warehouse, `duckdb:${join(dir, "warehouse.duckdb")}`);
        const outline = events
          .filter((e) => e.type !== "generate_progress" && e.type !== "load_progress")
          .filter((e) => e.type !== "models_progress" && e.type !== "checks_progress")
          .map((e) =>
            e.type === "stage_start"
              ? `start ${e.stage}`
              : e.type === "stage_done"
              ? `done ${e.summary.stage}`
              : e.type
          );
        assert.deepEqual(outline, [
          "warehouse_open",
          "start generate",
          "done generate",
          "start load",
          "done load",
          "start models",
          "done models",
          "start checks",
          "done checks",
          "id_sync",
          "start report",
          "done report",
          "start alerts",
          "done alerts",
        ]);
        assert.ok(events.some((e) => e.type === "checks_progress"));
        assert.deepEqual(summary.checks?.results.map((r) => r.name), [
          "freshness_raw_events",
          "schema_change_raw_events_payload",
          "volume_anomaly_stg_events_by_event_name",
        ]);
        assert.equal(summary.alerts?.stage, "alerts");
        assert.ok(events.some((e) => e.type === "generate_progress"));
        assert.ok(events.some((e) => e.type === "load_progress"));
        assert.ok(events.some((e) => e.type === "models_progress"));
        const counts = summary.generate!.counts;
        assert.equal(summary.idSync?.n_events, counts.events + counts.orphans);
        assert.equal(summary.load.eventLines, counts.lines);
        assert.equal(summary.idSync?.match_after_non_orphan_pct, 100);
        assert.equal(summary.report?.path, options.reportPath);
        assert.ok((await Deno.stat(options.reportPath)).isFile);
        // The warehouse it opened is closed again: another connection can open the file.
        const again = await openDuckDb(join(dir, "warehouse.duckdb"));
        await again.close();
      });

      await t.step(
        "relations are asked of the warehouse; a given warehouse stays open",
        async () => {
          const wh = recording(await openDuckDb(join(dir, "warehouse.duckdb")));
          try {
            const summary = await runPipeline({ ...options, warehouse: wh, skipGenerate: true });
            assert.ok(summary.success, summary.errors.join("\n"));
            assert.equal(summary.generate, null);
            assert.equal(summary.load.unchanged, summary.load.files.length);
            assert.ok(
              wh.asked.some((r) => r.schema === "marts" && r.name === "mart_id_sync"),
              "the ID match query names its relation through warehouse.relation()",
            );
            // Still open: the caller owns it.
            const [row] = await wh.query<{ n: number }>("select 1 as n");
            assert.equal(row?.n, 1);
          } finally {
            await wh.close();
          }
        },
      );

      await t.step("a failing error test: success false, errors named, no report", async () => {
        const users = await Deno.readTextFile(join(raw, "users.csv"));
        const lines = users.split("\n");
        lines[1] = lines[1]!.replace(/,(Basic|Pro|Enterprise),/, ",Platinum,");
        await Deno.writeTextFile(join(raw, "users.csv"), lines.join("\n"));
        const report = join(dir, "not-written.html");
        const summary = await runPipeline({
          ...options,
          reportPath: report,
          skipGenerate: true,
          warehouseConfig: { kind: "duckdb", path: join(dir, "warehouse.duckdb") },
        });
        assert.equal(summary.success, false);
        assert.equal(summary.models.success, false);
        assert.equal(summary.report, null);
        assert.equal(summary.idSync, null);
        assert.ok(summary.errors.some((e) => e.includes("accepted_values_stg_users_tier")));
        await assert.rejects(() => Deno.stat(report), Deno.errors.NotFound);
        // Checks and alerts still run: the failure is announced, models not built are skipped.
        assert.ok(summary.checks !== null);
        assert.equal(summary.alerts?.channel, "console");
        assert.match(summary.alerts?.text ?? "", /✗ accepted_values_stg_users_tier \(error\)/);
      });

      await t.step("a dataset that is not there throws, naming the directory", async () => {
        await assert.rejects(
          () =>
            runPipeline({
              ...options,
              out: join(dir, "missing"),
              skipGenerate: true,
              warehouseConfig: { kind: "duckdb", path: ":memory:" },
            }),
          /Cannot load dataset ".*missing": directory not found/,
        );
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
