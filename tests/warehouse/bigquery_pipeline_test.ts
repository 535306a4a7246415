// The whole pipeline on BigQuery, offline: the adapter talks REST to the local fake
// (`_fake_bigquery.ts`), whose query jobs are answered by a DuckDB engine
// (`_fake_bigquery_engine.ts`: each BigQuery statement answered by its DuckDB twin).
//
// What these tests prove: `deno task pipeline --target bigquery` (and TERRALOOP_WAREHOUSE=
// bigquery) and `deno task models --target bigquery --dry-run` are wired end to end: the
// stages run in order through the BigQuery adapter (datasets, uploads, load scripts, model
// builds with their partitioning, data tests, audit rows, the report's queries, paged
// results into Polars), every job carries its labels, no request goes unrouted, the report is
// written with the same headline findings as the DuckDB run of the same dataset, and no
// credential reaches any output. What they cannot prove: that BigQuery accepts this SQL and
// computes these numbers (ZetaSQL's tests and a live project do that), costs, quotas, speed.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  configuredWarehouse,
  openConfiguredWarehouse,
  runGenerateStage,
  runPipeline,
} from "../../lib/pipeline/mod.ts";
import { BigQueryWarehouse, openBigQuery } from "../../lib/warehouse/bigquery.ts";
import { DuckDbWarehouse } from "../../lib/warehouse/duckdb.ts";
import type { WarehouseConfig } from "../../lib/warehouse/config.ts";
import { writeServiceAccountKey } from "./_credentials.ts";
import {
  fakeAuthClient,
  type FakeBigQuery,
  type FakeBigQueryOptions,
  startFakeBigQuery,
} from "./_fake_bigquery.ts";
import { type DuckDbEngine, startDuckDbEngine } from "./_fake_bigquery_engine.ts";

const PROJECT = "terraloop-test";
const ROOT = new URL("../../", import.meta.url).pathname;
const DATASET = { users: 150, days: 6, seed: 7 };

async function withEngine(
  datasetDir: string,
  fn: (fake: FakeBigQuery, engine: DuckDbEngine) => Promise<void>,
  wrap: (onQuery: DuckDbEngine["onQuery"]) => FakeBigQueryOptions["onQuery"] = (q) => q,
): Promise<void> {
  const engine = await startDuckDbEngine({
    datasetDir,
    project: PROJECT,
    modelsDir: join(ROOT, "sql"),
  });
  const fake = startFakeBigQuery({ onQuery: wrap(engine.onQuery) });
  try {
    await fn(fake, engine);
    assert.deepEqual(fake.unrouted(), [], "every request had a route");
    const refused = engine.handled.filter((h) => h.as === "refused");
    assert.deepEqual(refused.map((h) => `${h.error}\n${h.sql}`), [], "no statement refused");
  } finally {
    await fake.close();
    await engine.close();
  }
}

async function cli(script: string, args: string[], env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli", script), ...args],
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      // A test HOME (no gcloud credentials there) must not also hide Deno's own cache.
      DENO_DIR: Deno.env.get("DENO_DIR") ??
        join(Deno.env.get("HOME") ?? "/root", ".cache", "deno"),
      HOME: env.HOME ?? "/nonexistent",
      NO_COLOR: "1",
      TZ: "UTC",
      NO_PROXY: "127.0.0.1",
      ...env,
    },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Every file under `dir`, as text. */
async function filesUnder(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await filesUnder(path));
    else if (entry.isFile) out.push([path, await Deno.readTextFile(path)]);
  }
  return out;
}

Deno.test("runPipeline() on BigQuery (local fake) loads, builds, tests and reports like the DuckDB run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-bq-pipeline-" });
  const raw = join(dir, "raw");
  try {
    await runGenerateStage({ ...DATASET, out: raw });
    const duckTarget = join(dir, "duck-target");
    const duck = await runPipeline({
      warehouseConfig: { kind: "duckdb", path: ":memory:" },
      skipGenerate: true,
      out: raw,
      modelsDir: join(ROOT, "sql"),
      targetDir: duckTarget,
      reportPath: join(dir, "duck.html"),
    });
    assert.ok(duck.success, duck.errors.join("\n"));

    await withEngine(raw, async (fake, engine) => {
      const wh = await openBigQuery(PROJECT, {
        apiEndpoint: fake.endpoint,
        authClient: fakeAuthClient("secret-token-b4d"),
        retry: { initialDelayMs: 1 },
      });
      const target = join(dir, "bq-target");
      let summary;
      try {
        summary = await runPipeline({
          warehouse: wh,
          skipGenerate: true,
          out: raw,
          modelsDir: join(ROOT, "sql"),
          targetDir: target,
          reportPath: join(dir, "bq.html"),
        });
      } finally {
        await wh.close();
      }
      assert.ok(summary.success, summary.errors.join("\n"));
      assert.match(summary.warehouse, /^bigquery:terraloop-test\/terraloop_\* \(US\)$/);

      // Same load accounting, same models, same test outcomes, same headline findings.
      assert.equal(summary.load.rows, duck.load.rows);
      assert.equal(summary.load.rejected, duck.load.rejected);
      assert.equal(summary.models.modelsBuilt, duck.models.modelsBuilt);
      assert.equal(summary.models.modelsBuilt, summary.models.modelsTotal);
      const outcomes = (s: typeof summary) =>
        s.models.results.tests.map((t) => `${t.name}:${t.status}:${t.failures}`);
      assert.deepEqual(outcomes(summary), outcomes(duck));
      assert.deepEqual(summary.idSync, duck.idSync);
      assert.deepEqual(summary.report?.headlines, duck.report?.headlines);
      assert.ok((summary.report?.bytes ?? 0) > 100_000);

      // Through the BigQuery adapter: every model built by a job, the tests as jobs, the
      // report's queries as jobs; each answered by its DuckDB twin, none refused.
      const as = (kind: string) => engine.handled.filter((h) => h.as === kind).length;
      assert.equal(as("model"), summary.models.modelsTotal);
      assert.ok(
        as("test") >= summary.models.tests + summary.checks!.results.length,
        "every data test and every check ran as a query job",
      );
      assert.deepEqual(
        summary.checks!.results.map((r) => [r.name, r.status]),
        [
          ["freshness_raw_events", "pass"],
          ["schema_change_raw_events_payload", "pass"],
          ["volume_anomaly_stg_events_by_event_name", "not_enough_data"],
        ],
      );
      assert.ok(as("load-events") >= 1 && as("load-csv") === 2);
      assert.ok(as("translated") > 10, "manifest, audit and report queries");

      // Labels: the run id on every job, the stage, the model on builds and tests.
      const jobs = fake.jobs();
      assert.ok(jobs.every((j) => j.configuration.labels?.run_id === summary.runId));
      const stages = new Set(jobs.map((j) => j.configuration.labels?.stage));
      assert.deepEqual([...stages].sort(), [
        "alerts",
        "audit",
        "checks",
        "load",
        "models",
        "report",
      ]);
      const fctBuild = jobs.find((j) =>
        /^create or replace table `[^`]+fct_events`/.test(j.configuration.query?.query ?? "")
      );
      assert.equal(fctBuild?.configuration.labels?.model, "fct_events");
      assert.match(
        fctBuild!.configuration.query!.query,
        /partition by timestamp_trunc\(event_at, day\)\ncluster by user_id, event_name\n/,
      );
      assert.deepEqual(fake.tables.get("terraloop_marts.fct_events")?.timePartitioning, {
        type: "DAY",
        field: "event_at",
      });
      assert.ok(fake.uploads().length >= 3, "two CSVs and the events went up");
      assert.deepEqual(fake.uploads().map((u) => u.metadata.configuration.labels?.stage), [
        ...fake.uploads().map(() => "load"),
      ]);

      // The audit rows carry the same run id as the labels.
      const audit = await engine.duck.query<{ run_id: string }>(
        "select distinct run_id from audit.data_test_results",
      );
      assert.deepEqual(audit.map((r) => r.run_id), [summary.runId]);

      // No token anywhere the run wrote.
      const written: [string, string][] = [
        ...await filesUnder(target),
        [join(dir, "bq.html"), await Deno.readTextFile(join(dir, "bq.html"))],
      ];
      for (const [path, text] of written) {
        assert.ok(!text.includes("secret-token-b4d"), `token in ${path}`);
      }

      // A second run loads nothing (the manifest), rebuilds in place, still succeeds.
      const wh2 = await openBigQuery(PROJECT, {
        apiEndpoint: fake.endpoint,
        authClient: fakeAuthClient(),
      });
      try {
        const again = await runPipeline({
          warehouse: wh2,
          skipGenerate: true,
          out: raw,
          modelsDir: join(ROOT, "sql"),
          targetDir: target,
          reportPath: join(dir, "bq2.html"),
        });
        assert.ok(again.success, again.errors.join("\n"));
        assert.equal(again.load.rows, 0);
        assert.equal(again.load.unchanged, again.load.files.length);
        assert.deepEqual(again.report?.headlines, duck.report?.headlines);
      } finally {
        await wh2.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task pipeline --target bigquery (and TERRALOOP_WAREHOUSE=bigquery) runs end to end against the fake, printing no credential", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-bq-cli-" });
  const raw = join(dir, "raw");
  const sa = await writeServiceAccountKey(dir);
  try {
    await runGenerateStage({ ...DATASET, out: raw });
    await withEngine(raw, async (fake) => {
      const base = {
        HOME: dir,
        GOOGLE_APPLICATION_CREDENTIALS: sa.path,
        TERRALOOP_BQ_API_ENDPOINT: fake.endpoint,
      };
      const common = ["--skip-generate", "--out", raw];
      await t.step("--target bigquery --bigquery-project", async () => {
        const report = join(dir, "report.html");
        const run = await cli("pipeline.ts", [
          ...common,
          "--target",
          "bigquery",
          "--bigquery-project",
          PROJECT,
          "--target-dir",
          join(dir, "target"),
          "--report",
          report,
        ], base);
        assert.equal(run.code, 0, run.stderr + run.stdout);
        for (const stage of ["load", "models", "report", "pipeline"]) {
          assert.match(run.stdout, new RegExp(`✔ ${stage}\\s`), `stage line for ${stage}`);
        }
        assert.match(run.stdout, /warehouse bigquery:terraloop-test \(terraloop_\*, US\)/);
        assert.ok((await Deno.stat(report)).size > 100_000);
      });
      await t.step("TERRALOOP_WAREHOUSE=bigquery with GOOGLE_CLOUD_PROJECT", async () => {
        const run = await cli("pipeline.ts", [
          ...common,
          "--target-dir",
          join(dir, "target2"),
          "--report",
          join(dir, "report2.html"),
        ], { ...base, TERRALOOP_WAREHOUSE: "bigquery", GOOGLE_CLOUD_PROJECT: PROJECT });
        assert.equal(run.code, 0, run.stderr + run.stdout);
        assert.match(run.stdout, /✔ report\s/);
      });
      await t.step("nothing secret in stdout, stderr, target/ or the reports", async () => {
        const tokens = new Set(
          fake.requests.map((r) => r.authorization?.replace(/^Bearer /, "") ?? ""),
        );
        assert.ok(tokens.size > 0 && ![...tokens].includes(""), "every request was signed");
        const written: [string, string][] = [
          ...await filesUnder(join(dir, "target")),
          ...await filesUnder(join(dir, "target2")),
          [join(dir, "report.html"), await Deno.readTextFile(join(dir, "report.html"))],
          [join(dir, "report2.html"), await Deno.readTextFile(join(dir, "report2.html"))],
        ];
        const keyBody = sa.privateKeyPem.split("\n")[1]!;
        for (const [path, text] of written) {
          assert.ok(!text.includes(keyBody), `private key in ${path}`);
          for (const token of tokens) assert.ok(!text.includes(token), `token in ${path}`);
        }
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task models --target bigquery --dry-run prints bytes per model and the total; over the limit fails naming model, estimate and limit", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-bq-dry-" });
  const sa = await writeServiceAccountKey(dir);
  // Bytes a dry run "processes": a fixed amount per model, from what it reads.
  const bytesOf = (sql: string) =>
    sql.includes("terraloop_raw.events")
      ? 50_000_000
      : sql.includes("stg_events")
      ? 20_000_000
      : 1_000_000;
  const fake = startFakeBigQuery({
    onQuery: (sql, { dryRun }) => dryRun ? { bytesProcessed: bytesOf(sql) } : undefined,
  });
  const env = {
    HOME: dir,
    GOOGLE_APPLICATION_CREDENTIALS: sa.path,
    TERRALOOP_BQ_API_ENDPOINT: fake.endpoint,
    TERRALOOP_BQ_PROJECT: PROJECT,
  };
  try {
    await t.step(
      "within the limit: exit 0, one line per model, the total of the tables",
      async () => {
        const run = await cli("models.ts", ["--target", "bigquery", "--dry-run"], {
          ...env,
          TERRALOOP_BQ_MAXIMUM_BYTES_BILLED: "100000000",
        });
        assert.equal(run.code, 0, run.stderr + run.stdout);
        assert.match(run.stdout, /dry run on bigquery:terraloop-test\/terraloop_\* \(US\)/);
        assert.match(
          run.stdout,
          /✔ `terraloop-test\.terraloop_staging\.base_events`\s+incremental\s+50,000,000 bytes \(47\.7 MiB\)\n/,
        );
        assert.match(
          run.stdout,
          /✔ `terraloop-test\.terraloop_marts\.fct_events`\s+incremental\s+20,000,000 bytes/,
        );
        assert.match(
          run.stdout,
          /total \(tables\): 186,000,000 bytes \(177\.4 MiB\); limit 100,000,000 bytes \(95\.4 MiB\) per job/,
        );
        assert.equal(fake.queries().length, 0, "nothing ran");
        assert.ok(fake.dryRuns().length >= 12);
        assert.ok(fake.jobs().every((j) => j.configuration.dryRun === true));
        assert.ok(
          fake.jobs().every((j) => j.configuration.query?.maximumBytesBilled === "100000000"),
        );
        assert.ok(fake.jobs().every((j) => j.configuration.labels?.model));
      },
    );
    await t.step("--maximum-bytes-billed below a table's estimate: exit 1 naming it", async () => {
      const run = await cli("models.ts", [
        "--target",
        "bigquery",
        "--dry-run",
        "--maximum-bytes-billed",
        "10000000",
      ], env);
      assert.equal(run.code, 1, run.stderr + run.stdout);
      assert.match(
        run.stderr,
        /error: Model "fct_events" would process 20,000,000 bytes \(19\.1 MiB\), over the maximum bytes billed of 10,000,000 bytes \(9\.5 MiB\)/,
      );
    });
    await t.step("on DuckDB, --dry-run is a usage error", async () => {
      const run = await cli("models.ts", ["--dry-run", "--warehouse", join(dir, "w.duckdb")], {});
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--dry-run needs BigQuery/);
    });
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model over --maximum-bytes-billed fails before it runs, naming the model, the estimate and the limit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-bq-budget-" });
  const raw = join(dir, "raw");
  try {
    await runGenerateStage({ ...DATASET, out: raw });
    await withEngine(raw, async (fake) => {
      const wh = await openBigQuery(PROJECT, {
        apiEndpoint: fake.endpoint,
        authClient: fakeAuthClient(),
        maximumBytesBilled: 1_000_000_000,
      });
      try {
        const summary = await runPipeline({
          warehouse: wh,
          skipGenerate: true,
          out: raw,
          modelsDir: join(ROOT, "sql"),
          targetDir: join(dir, "target"),
          reportPath: join(dir, "report.html"),
        });
        assert.equal(summary.success, false);
        assert.equal(summary.report, null, "no report after a failed model");
        const fct = summary.models.results.models.find((m) => m.name === "fct_events")!;
        assert.equal(fct.status, "error");
        assert.match(
          fct.message!,
          new RegExp(
            '^Cannot build model "fct_events" \\(.*fct_events\\.sql\\): BigQuery estimates ' +
              "2,000,000,000 bytes \\(1\\.9 GiB\\) processed to build " +
              "`terraloop-test\\.terraloop_marts\\.fct_events`, over the maximum bytes billed of " +
              "1,000,000,000 bytes \\(953\\.7 MiB\\) \\(--maximum-bytes-billed / " +
              "TERRALOOP_BQ_MAXIMUM_BYTES_BILLED\\)$",
          ),
        );
        assert.ok(
          !fake.queries().some((sql) => /create or replace table `[^`]+fct_events`/.test(sql)),
          "fct_events was not built",
        );
        assert.ok(
          summary.errors.some((e) => e.includes('"fct_events"') && e.includes("2,000,000,000")),
        );
      } finally {
        await wh.close();
      }
    }, (onQuery) => (sql, context) =>
      // The dry run of fct_events' select (it reads stg_events) is estimated at 2 GB.
      context.dryRun && /from `[^`]+stg_events`/.test(sql) && /dim_users/.test(sql)
        ? Promise.resolve({ bytesProcessed: 2_000_000_000 })
        : onQuery(sql, context));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad BigQuery configuration exits 2 before any work, naming the setting, with no secret", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-bq-config-" });
  const closed = (() => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    return port;
  })();
  const base = { HOME: dir, GCE_METADATA_HOST: `127.0.0.1:${closed}` };
  try {
    await t.step("no credentials: GOOGLE_APPLICATION_CREDENTIALS and gcloud named", async () => {
      const run = await cli("pipeline.ts", ["--skip-generate", "--out", dir], {
        ...base,
        TERRALOOP_WAREHOUSE: "bigquery",
        TERRALOOP_BQ_PROJECT: PROJECT,
      });
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        /error: Cannot find Google Cloud credentials for BigQuery: set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run `gcloud auth application-default login`/,
      );
      assert.doesNotMatch(run.stdout, /✔ load/);
    });
    await t.step(
      "a password in TERRALOOP_BQ_API_ENDPOINT is refused and never printed",
      async () => {
        for (
          const endpoint of [
            "https://admin:hunter2-pw@bq.example.com",
            "http://admin:hunter2-pw@[bad",
          ]
        ) {
          const run = await cli("models.ts", ["--target", "bigquery"], {
            ...base,
            TERRALOOP_BQ_PROJECT: PROJECT,
            TERRALOOP_BQ_API_ENDPOINT: endpoint,
          });
          assert.equal(run.code, 2, run.stderr);
          assert.match(run.stderr, /TERRALOOP_BQ_API_ENDPOINT/);
          assert.ok(!(run.stdout + run.stderr).includes("hunter2"), run.stderr);
        }
      },
    );
    await t.step("no project: the settings that would give one are named", async () => {
      const run = await cli("pipeline.ts", ["--target", "bigquery", "--skip-generate"], base);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /TERRALOOP_BQ_PROJECT is required .* GOOGLE_CLOUD_PROJECT/);
    });
    await t.step("generate cannot write to gs://", async () => {
      const run = await cli("pipeline.ts", ["--out", "gs://acme-raw/terraloop/"], base);
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        /--out "gs:\/\/acme-raw\/terraloop\/" is a remote location: .*--skip-generate/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the DuckDB engine refuses names BigQuery would not find", async () => {
  const dir = await Deno.makeTempDir();
  await withEngine(dir, async (_fake, engine) => {
    for (
      const sql of [
        "select * from marts.fct_events",
        "select table_name from information_schema.tables",
      ]
    ) {
      const reply = await engine.onQuery(sql, {
        dryRun: false,
        job: { jobReference: { jobId: "x", projectId: PROJECT }, configuration: {} },
      });
      assert.ok(reply?.error, sql);
    }
    engine.handled.length = 0;
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a model that BigQuery refuses fails naming the model and BigQuery's message; nothing downstream runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-bq-refused-" });
  const raw = join(dir, "raw");
  try {
    await runGenerateStage({ ...DATASET, out: raw });
    const refusal = "Unrecognized name: evnt_at; Did you mean event_at? at [12:9]";
    await withEngine(
      raw,
      async (fake) => {
        const wh = await openBigQuery(PROJECT, {
          apiEndpoint: fake.endpoint,
          authClient: fakeAuthClient(),
        });
        try {
          const summary = await runPipeline({
            warehouse: wh,
            skipGenerate: true,
            out: raw,
            modelsDir: join(ROOT, "sql"),
            targetDir: join(dir, "target"),
            reportPath: join(dir, "report.html"),
          });
          assert.equal(summary.success, false);
          const failed = summary.models.results.models.filter((m) => m.status === "error");
          assert.deepEqual(failed.map((m) => m.name), ["fct_events"]);
          assert.match(
            failed[0]!.message!,
            new RegExp(
              `^Cannot build model "fct_events" \\(.*\\): BigQuery job [0-9a-f-]{36} failed: ${
                refusal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
              }$`,
            ),
          );
          const skipped = summary.models.results.models.filter((m) => m.status === "skipped");
          assert.ok(
            skipped.length > 0 &&
              skipped.every((m) => /upstream "fct_events" failed/.test(m.message!)),
          );
          // Not a transient reason: submitted once.
          assert.equal(
            fake.queries().filter((sql) => /fct_events` as\n|fct_events`\npartition/.test(sql))
              .length,
            1,
          );
        } finally {
          await wh.close();
        }
      },
      (onQuery) => (sql, context) =>
        !context.dryRun && /^create or replace table `[^`]+fct_events`/.test(sql)
          ? Promise.resolve({ error: refusal })
          : onQuery(sql, context),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openConfiguredWarehouse() opens what the settings say: BigQuery, TERRALOOP_DUCKDB_PATH, or the notebook's own file", async (t) => {
  await t.step("DuckDB: the notebook's file unless TERRALOOP_DUCKDB_PATH names one", () => {
    // The memory limit's default depends on the machine; the rest is exact.
    const withoutLimit = (config: WarehouseConfig) => {
      assert.equal(config.kind, "duckdb");
      const { memoryLimit, ...rest } = config as Extract<WarehouseConfig, { kind: "duckdb" }>;
      assert.ok(typeof memoryLimit === "number" && memoryLimit > 0);
      return rest;
    };
    assert.deepEqual(
      withoutLimit(configuredWarehouse({ env: {}, duckdbPath: "ws/warehouse.duckdb" })),
      { kind: "duckdb", path: "ws/warehouse.duckdb", tempDirectory: "ws/warehouse.duckdb.tmp" },
    );
    assert.deepEqual(
      withoutLimit(configuredWarehouse({
        env: { TERRALOOP_DUCKDB_PATH: "data/warehouse.duckdb" },
        duckdbPath: "ws/warehouse.duckdb",
      })),
      { kind: "duckdb", path: "data/warehouse.duckdb", tempDirectory: "data/warehouse.duckdb.tmp" },
    );
  });
  await t.step("DuckDB opened", async () => {
    const wh = await openConfiguredWarehouse({ env: {}, duckdbPath: ":memory:" });
    assert.ok(wh instanceof DuckDbWarehouse);
    await wh.close();
  });
  await t.step("BigQuery when TERRALOOP_WAREHOUSE=bigquery", async () => {
    const fake = startFakeBigQuery();
    try {
      const wh = await openConfiguredWarehouse({
        env: {
          TERRALOOP_WAREHOUSE: "bigquery",
          GOOGLE_CLOUD_PROJECT: PROJECT,
          TERRALOOP_BQ_API_ENDPOINT: fake.endpoint,
        },
        duckdbPath: "ignored.duckdb",
        open: { bigquery: { authClient: fakeAuthClient() } },
      });
      assert.ok(wh instanceof BigQueryWarehouse);
      assert.equal(
        wh.relation({ schema: "marts", name: "fct_events" }),
        "`terraloop-test.terraloop_marts.fct_events`",
      );
      await wh.close();
    } finally {
      await fake.close();
    }
  });
});
