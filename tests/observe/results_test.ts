import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  checkFreshness,
  diffPayloadSchemas,
  freshnessCheckResult,
  parseCheckDeclarations,
  schemaChangeCheckResult,
  volumeAnomalies,
  volumeCheckResult,
  volumeOptions,
} from "../../lib/observe/mod.ts";

const YAML = `
models:
  - name: stg_events
    checks:
      - volume_anomaly: { timestamp_column: event_at, dimensions: [event_name], severity: error }
      - freshness:
          timestamp_column: event_at
          warn_after: { count: 1, period: day }
          error_after: { count: 3, period: day }
sources:
  - name: raw
    tables:
      - name: events
        checks:
          - schema_change: { alert_suppression_interval: 6 }
`;
const [volume, freshness, schema] = parseCheckDeclarations(YAML, "checks.yml");

function counts(values: number[], event: string) {
  return pl.DataFrame({
    event_name: values.map(() => event),
    day: values.map((_, i) => new Date(Date.UTC(2026, 0, 1 + i))),
    value: values,
  });
}

Deno.test("volumeCheckResult() summarises the anomalous days with the check's severity", async (t) => {
  assert.ok(volume?.kind === "volume_anomaly");
  const steady = Array.from({ length: 30 }, (_, i) => 1000 + (i % 5) * 10);
  const dropped = steady.map((v, i) => (i === 24 ? 300 : v));
  await t.step("an anomaly", () => {
    const frame = pl.concat([counts(steady, "search"), counts(dropped, "start_listing")]);
    const result = volumeCheckResult(volume, volumeAnomalies(frame, volumeOptions(volume)));
    assert.equal(result.status, "fail");
    assert.equal(result.failures, 1);
    assert.equal(result.target, "stg_events");
    assert.match(
      result.sample[0]!,
      /^start_listing 2026-01-25: 300 \(expected 1,0\d\d, band \d+–1,\d{3}, z -\d+\.\d\)$/,
    );
    assert.match(result.message, /^1 anomalous day of 46 checked: start_listing 2026-01-25: 300/);
    assert.equal(result.fingerprint, "start_listing@2026-01-25");
  });
  await t.step("a quiet run passes; too short a history is not_enough_data", () => {
    const quiet = volumeCheckResult(
      volume,
      volumeAnomalies(counts(steady, "search"), volumeOptions(volume)),
    );
    assert.deepEqual([quiet.status, quiet.failures, quiet.sample, quiet.fingerprint], [
      "pass",
      0,
      [],
      "",
    ]);
    const short = volumeCheckResult(
      volume,
      volumeAnomalies(counts(steady.slice(0, 5), "search"), volumeOptions(volume)),
    );
    assert.equal(short.status, "not_enough_data");
    assert.match(short.message, /not enough data: no day has 7 training days yet/);
  });
});

Deno.test("freshnessCheckResult() and schemaChangeCheckResult() carry status, sample and fingerprint", () => {
  assert.ok(freshness?.kind === "freshness" && schema?.kind === "schema_change");
  const now = new Date("2026-04-02T00:00:00Z");
  const stale = freshnessCheckResult(
    freshness,
    checkFreshness(new Date("2026-03-30T00:00:00Z"), {
      warnAfter: freshness.warnAfter!,
      errorAfter: freshness.errorAfter!,
      now,
    }),
  );
  assert.deepEqual(
    [stale.status, stale.severity, stale.failures, stale.sample, stale.fingerprint],
    [
      "warn",
      "warn",
      1,
      ["newest 2026-03-30T00:00:00.000Z, 3 d old"],
      "warn@2026-03-30T00:00:00.000Z",
    ],
  );
  const changed = schemaChangeCheckResult(
    schema,
    diffPayloadSchemas({ a: "string" }, { a: "number", b: "string" }),
  );
  assert.deepEqual(
    [changed.status, changed.failures, changed.target, changed.alertSuppressionHours],
    ["warn", 2, "raw.events", 6],
  );
  assert.equal(changed.fingerprint, "+ b (string),~ a: string → number");
  const baseline = schemaChangeCheckResult(schema, diffPayloadSchemas(null, { a: "string" }));
  assert.deepEqual([baseline.status, baseline.message], [
    "pass",
    "first run: schema recorded as the baseline",
  ]);
});
