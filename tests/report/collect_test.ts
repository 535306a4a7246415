// Generated data → load → models → collectReportData: the headline sentences recover the
// effects planted by the generator, and the numbers match truth.json's realised values.
import assert from "node:assert/strict";
import { join } from "node:path";
import { runReportStage } from "../../lib/pipeline/mod.ts";
import {
  CATEGORY_AFFINITY_COLUMNS,
  ECO_IMPACT_COLUMNS,
  FUNNEL_COLUMNS,
  REGIONAL_DENSITY_COLUMNS,
  RETENTION_COLUMNS,
} from "../../lib/analytics/mod.ts";
import {
  buildReport,
  collectReportData,
  DEFAULT_FUNNEL_STEPS,
  MissingMartsError,
  readFunnelEvents,
  type ReportData,
  reportHeadlines,
} from "../../lib/report/mod.ts";
import { openDuckDb, type Relation, type Warehouse } from "../../lib/warehouse/mod.ts";
import { type SmallWarehouse, smallWarehouse } from "./_warehouse.ts";
import { cliEnv } from "../_env.ts";

Deno.test({
  name: "collectReportData() on generated data recovers the planted effects",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const small = await smallWarehouse("tl-report-collect-");
    try {
      const data = await collectReportData(small.wh, {
        truthPath: small.truthPath,
        runResultsPath: small.runResultsPath,
      });
      await checks(t, small, data);
      await t.step("read in user groups, the funnel and paths are the same", async () => {
        const grouped = await collectReportData(small.wh, {
          truthPath: small.truthPath,
          runResultsPath: small.runResultsPath,
          groupEvents: 2_000,
        });
        const [row] = await small.wh.query<{ n: number }>(
          "select count(*) as n from marts.fct_events where not is_orphan",
        );
        assert.ok(Number(row!.n) > 3 * 2_000, "several groups");
        assert.deepEqual(grouped.activation, data.activation);
        assert.deepEqual(grouped.paths, data.paths);
        assert.ok(data.paths.rows.length > 0);
      });
    } finally {
      await small.wh.close();
      await Deno.remove(small.dir, { recursive: true });
    }
  },
});

async function checks(t: Deno.TestContext, small: SmallWarehouse, data: ReportData) {
  const realised = small.truth.effects.realised;

  await t.step("activation: Basic is the lowest tier and matches truth within its CI", () => {
    const insight = reportHeadlines(data).activation;
    assert.equal(insight.lowest, "Basic");
    assert.ok(insight.separated, insight.sentence);
    assert.ok(insight.sentence.startsWith("Basic users start a listing after a session"));
    const basic = data.activation.funnel.filter((r) => r.tier === "Basic");
    const start = basic.find((r) => r.step === 1)!;
    const listing = basic.find((r) => r.label === "start_listing")!;
    const truth = realised.activation_session_start_to_start_listing_by_tier.Basic;
    assert.equal(start.users, truth.users_with_session_start);
    assert.ok(
      listing.conversion_ci_low! <= truth.rate * 100 &&
        truth.rate * 100 <= listing.conversion_ci_high!,
      `truth ${truth.rate} outside [${listing.conversion_ci_low}, ${listing.conversion_ci_high}]`,
    );
    assert.ok(insight.sentence.includes(`n=${start.users.toLocaleString("en-US")}`));
  });

  await t.step("regions: EMEA has the top density, NA the top eco impact", () => {
    const insight = reportHeadlines(data).regional;
    assert.equal(insight.topDensity, "EMEA");
    assert.equal(insight.topEco, "NA");
    assert.ok(insight.sentence.startsWith("EMEA has the highest listing density"));
    assert.ok(insight.sentence.includes("But NA listings avoid the most CO₂e each"));
    assert.equal(data.regions.density.length, 4);
    for (const row of data.regions.density) {
      const d = realised.published_listings_per_active_user_by_region[
        row.region as keyof typeof realised.published_listings_per_active_user_by_region
      ];
      assert.equal(row.n_listings, d.published_listings, row.region);
      assert.equal(row.n_active_users, d.active_users, row.region);
    }
  });

  await t.step("affinity: Pro over-indexes on Industrial and Electronics", () => {
    const insight = reportHeadlines(data, { focusTier: "Pro" }).affinity;
    assert.deepEqual([...insight.overIndexed].sort(), ["Electronics", "Industrial"]);
    assert.ok(insight.sentence.startsWith("Pro users over-index on"));
    const lift = realised.listing_category_mix_by_tier.lift.Pro.Industrial;
    const row = data.affinity.find((r) => r.tier === "Pro" && r.category === "Industrial")!;
    assert.ok(Math.abs(row.lift - lift) < 1e-5, `${row.lift} vs ${lift}`);
  });

  await t.step("retention: cohorts hold every active user; no week after the data", () => {
    const sizes = data.retention.rows.filter((r) => r.period === 0)
      .reduce((s, r) => s + r.cohort_size, 0);
    const active = data.regions.density.reduce((s, r) => s + r.n_active_users, 0);
    assert.equal(sizes, active);
    const end = Date.parse(`${small.truth.parameters.end}T00:00:00Z`);
    assert.ok(data.retention.rows.length > 0, "retention has rows");
    for (const r of data.retention.rows) {
      assert.ok(r.cohort.getTime() + r.period * 7 * 86_400_000 < end, "week after the data");
    }
    assert.ok(data.retention.rows.some((r) => !r.is_complete), "last weeks are incomplete");
  });

  await t.step("rolling activity: one row per region and day of the period", () => {
    assert.equal(data.rolling.length, 4 * small.truth.parameters.days);
  });

  await t.step("health: every delivered line is accounted for; tests from run_results", () => {
    const lines = data.health.outcomes.reduce((s, r) => s + r.n_rows, 0);
    assert.equal(lines, small.truth.counts.lines);
    assert.equal(data.health.testSource.kind, "run_results");
    assert.equal(data.health.tests.length, small.results.tests.length);
    assert.ok(data.health.idSync!.match_after_pct! > data.health.idSync!.match_before_pct!);
    const raw = data.health.tables.find((r) => r.layer === "raw" && r.table === "events");
    assert.ok(raw && raw.rows > 0);
  });

  await t.step("parameters and timings come from truth.json and run_results.json", () => {
    assert.equal(data.parameters.dataset?.seed, 7);
    assert.equal(data.parameters.dataset?.users, 1500);
    assert.equal(data.timing.models.length, small.results.models.length);
    assert.ok(data.timing.parts.length >= 7);
  });

  await t.step("the report keeps analytics rows unchanged, under analytics' names", () => {
    const keys = (rows: readonly object[]) => Object.keys(rows[0] ?? {});
    assert.deepEqual(keys(data.activation.funnel), ["tier", ...FUNNEL_COLUMNS]);
    assert.deepEqual(keys(data.regions.density), ["region", ...REGIONAL_DENSITY_COLUMNS]);
    assert.deepEqual(keys(data.regions.ecoImpact), ["region", ...ECO_IMPACT_COLUMNS]);
    assert.deepEqual(keys(data.affinity), ["tier", "category", ...CATEGORY_AFFINITY_COLUMNS]);
    assert.deepEqual(keys(data.retention.rows), [...RETENTION_COLUMNS]);
    assert.deepEqual(keys(data.rolling), ["date", "region", "value", "rolling_mean"]);
  });

  await t.step("the readers ask the warehouse for relation names", async () => {
    // A warehouse that names marts.fct_events as a view holding Pro users' events only.
    await small.wh.execute(
      `create schema marts_pro;
       create view marts_pro.fct_events as select * from marts.fct_events where tier = 'Pro'`,
    );
    const proOnly = new Proxy(small.wh, {
      get(target, prop) {
        if (prop === "relation") {
          return (r: Relation) =>
            r.schema === "marts" && r.name === "fct_events"
              ? "marts_pro.fct_events"
              : target.relation(r);
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Warehouse;
    try {
      const events = await readFunnelEvents(proOnly, DEFAULT_FUNNEL_STEPS);
      assert.deepEqual([...new Set(events.getColumn("tier").toArray())], ["Pro"]);
      const other = await collectReportData(proOnly, {
        truthPath: small.truthPath,
        runResultsPath: small.runResultsPath,
      });
      assert.deepEqual([...new Set(other.activation.funnel.map((r) => r.tier))], ["Pro"]);
    } finally {
      await small.wh.execute("drop schema marts_pro cascade");
    }
  });

  await t.step("without run_results.json the audit table's latest run is used", async () => {
    const other = await collectReportData(small.wh, {
      truthPath: join(small.dir, "missing-truth.json"),
      runResultsPath: join(small.dir, "missing.json"),
    });
    assert.equal(other.health.testSource.kind, "audit");
    assert.equal(other.health.tests.length, small.results.tests.length);
    assert.equal(other.parameters.dataset, null);
    assert.match(other.parameters.datasetProblem ?? "", /missing-truth\.json": file not found/);
    assert.ok(buildReport(other).includes("Seed and scale"));
  });

  await t.step("runReportStage() writes the file and reports its size", async () => {
    const out = join(small.dir, "out", "report.html");
    const result = await runReportStage(small.wh, {
      truthPath: small.truthPath,
      runResultsPath: small.runResultsPath,
      out,
    });
    const stat = await Deno.stat(out);
    assert.equal(result.bytes, stat.size);
    const html = await Deno.readTextFile(out);
    assert.ok(html.includes("Basic users start a listing after a session"));
  });
}

Deno.test({
  name: "collectReportData() refuses a warehouse without marts and says what to run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const wh = await openDuckDb(":memory:");
    try {
      await assert.rejects(
        () => collectReportData(wh),
        (error: unknown) =>
          error instanceof MissingMartsError &&
          error.missing.includes("marts.fct_events") &&
          error.message.includes("run `deno task models` first"),
      );
    } finally {
      await wh.close();
    }
  },
});

Deno.test("deno task report: clear errors for a missing warehouse or missing marts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tl-report-cli-" });
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli/report.ts", ...args],
      clearEnv: true,
      env: cliEnv(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
  };
  try {
    const missing = await run("--warehouse", join(dir, "nope.duckdb"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /warehouse ".*nope\.duckdb" does not exist/);

    const empty = join(dir, "empty.duckdb");
    await (await openDuckDb(empty)).close();
    const noMarts = await run("--warehouse", empty, "--out", join(dir, "r.html"));
    assert.equal(noMarts.code, 1);
    assert.match(noMarts.stderr, /marts\.fct_events.*run `deno task models` first/);

    const help = await run("--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: deno task report/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
