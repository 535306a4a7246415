/** The report's history of tests and checks: tables per run, a chart per check, escaping. */
import assert from "node:assert/strict";
import {
  buildReport,
  collectRunHistory,
  dataHealthSection,
  type RunHistory,
} from "../../lib/report/mod.ts";
import { appendAuditRows, AUDIT_TABLES } from "../../lib/observe/mod.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";
import { fixtureReport, XSS_SCRIPT } from "./_fixture.ts";

const runs = [
  { runId: "r2", runAt: "2026-04-02T05:00:00.000Z", status: "success" },
  { runId: "r1", runAt: "2026-04-01T05:00:00.000Z", status: "success" },
];

function history(): RunHistory {
  const check = (runId: string, status: string, name = "volume_anomaly_stg_events") => ({
    runId,
    checkName: name,
    kind: name.startsWith("volume") ? "volume_anomaly" : "freshness",
    target: name.startsWith("volume") ? "stg_events" : "raw.events",
    severity: "warn",
    status,
    failures: status === "warn" ? 1 : 0,
    message: status === "warn" ? `1 anomalous day ${XSS_SCRIPT}` : "none anomalous",
  });
  const point = (runId: string, runAt: string, day: number, flagged: boolean) => ({
    runId,
    runAt,
    checkName: "volume_anomaly_stg_events",
    series: "search",
    at: `2026-03-${String(day).padStart(2, "0")}T00:00:00.000Z`,
    value: flagged ? 30 : 100,
    expected: 100,
    lower: 70,
    upper: 130,
    status: flagged ? "anomalous" : "ok",
    isAnomalous: flagged,
  });
  return {
    runs,
    tests: [
      {
        runId: "r1",
        test: "not_null_a",
        model: "m",
        severity: "error",
        status: "pass",
        failures: 0,
      },
      {
        runId: "r2",
        test: "not_null_a",
        model: "m",
        severity: "error",
        status: "pass",
        failures: 0,
      },
      { runId: "r1", test: "unique_b", model: "m", severity: "warn", status: "warn", failures: 4 },
      { runId: "r2", test: "unique_b", model: "m", severity: "warn", status: "pass", failures: 0 },
    ],
    checks: [
      check("r1", "pass"),
      check("r2", "warn"),
      check("r1", "pass", "freshness_raw_events"),
      check("r2", "pass", "freshness_raw_events"),
    ],
    series: [
      point("r2", runs[0]!.runAt, 9, false),
      point("r2", runs[0]!.runAt, 10, true),
      {
        ...point("r1", runs[1]!.runAt, 1, false),
        checkName: "freshness_raw_events",
        series: "age_hours",
        value: 0.5,
        expected: null,
        lower: null,
        upper: 24,
      },
      {
        ...point("r2", runs[0]!.runAt, 1, false),
        checkName: "freshness_raw_events",
        series: "age_hours",
        value: 1.5,
        expected: null,
        lower: null,
        upper: 24,
      },
    ],
  };
}

Deno.test("dataHealthSection() shows each check and test across runs, with a chart per check", () => {
  const section = String(dataHealthSection(history()));
  assert.match(section, /<section id="history">/);
  assert.match(
    section,
    /In the newest run \(2026-04-02 05:00:00 UTC\), 1 of 2 checks and 0 of 2 data tests failing or warning; 2 runs shown\./,
  );
  // One status column per run, newest first.
  const checkTable = section.slice(section.indexOf('id="table-check-history"'));
  assert.match(checkTable, /Newest \(2026-04-02 05:00:00\)[\s\S]*Run −1 \(2026-04-01 05:00:00\)/);
  assert.match(checkTable, /⚠ warn[\s\S]*✔ pass/);
  // Tests that ever failed come first.
  const tests = section.slice(section.indexOf('id="table-test-history"'));
  assert.ok(tests.indexOf("unique_b") < tests.indexOf("not_null_a"));
  // Charts: the volume check's days (flagged one marked), the freshness age per run.
  assert.match(section, /id="chart-check-1"/);
  assert.match(section, /id="chart-check-2"/);
  assert.match(section, /"name":"Flagged"[^}]*"x":\["2026-03-10"\],"y":\[30\]/);
  assert.match(section, /"x":\["2026-04-01 05:00:00","2026-04-02 05:00:00"\],"y":\[0.5,1.5\]/);
  // Data strings are escaped.
  assert.ok(!section.includes(XSS_SCRIPT));
  assert.ok(section.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.equal(String(dataHealthSection(null)), "");
  assert.equal(String(dataHealthSection({ runs: [], tests: [], checks: [], series: [] })), "");
});

Deno.test("buildReport() adds the history section and its contents link only when there is history", () => {
  const without = buildReport(fixtureReport());
  assert.ok(!without.includes('id="history"'));
  assert.ok(!without.includes('href="#history"'));
  const withHistory = buildReport({ ...fixtureReport(), history: history() });
  assert.ok(withHistory.includes('<li><a href="#history">Tests and checks across runs</a></li>'));
  assert.ok(withHistory.indexOf('id="health"') < withHistory.indexOf('id="history"'));
  assert.ok(withHistory.indexOf('id="history"') < withHistory.indexOf('id="run"'));
});

Deno.test("collectRunHistory() is null without audit tables and reads them when present", async () => {
  const wh = await openDuckDb(":memory:");
  try {
    assert.equal(await collectRunHistory(wh), null);
    await appendAuditRows(wh, AUDIT_TABLES.checkResults, [{
      run_id: "r1",
      run_at: new Date("2026-04-01T05:00:00Z"),
      check_name: "c",
      kind: "freshness",
      target: "raw.events",
      severity: "warn",
      status: "pass",
      failures: 0,
      message: "fresh",
    }]);
    const found = await collectRunHistory(wh);
    assert.deepEqual(found?.runs, [{
      runId: "r1",
      runAt: "2026-04-01T05:00:00.000Z",
      status: null,
    }]);
    assert.equal(found?.checks[0]?.message, "fresh");
  } finally {
    await wh.close();
  }
});
