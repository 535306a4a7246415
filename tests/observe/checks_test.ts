import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type CheckDeclaration,
  loadCheckDeclarations,
  parseCheckDeclarations,
} from "../../lib/observe/mod.ts";
import { loadProject } from "../../lib/models/mod.ts";
import { tempDir } from "../generate/_dataset.ts";

const FIXTURE = "tests/testdata/checks/schema.yml";

Deno.test("parseCheckDeclarations() reads the example fixture with defaults filled in", async (t) => {
  const checks = parseCheckDeclarations(await Deno.readTextFile(FIXTURE), FIXTURE);
  const byName = new Map(checks.map((c) => [c.name, c]));

  await t.step("every check, in file order, with generated names", () => {
    assert.deepEqual(checks.map((c) => [c.name, c.line]), [
      ["volume_anomaly_stg_events_by_event_name", 13],
      ["volume_anomaly_stg_events_drops_by_platform", 23],
      ["freshness_stg_events", 32],
      ["schema_change_raw_events_payload", 47],
      ["freshness_raw_events", 50],
      ["schema_change_raw_app_events_payload", 56],
    ]);
  });
  await t.step("a fully spelled volume_anomaly", () => {
    const c = byName.get("volume_anomaly_stg_events_by_event_name")!;
    assert.deepEqual(
      c,
      {
        kind: "volume_anomaly",
        name: "volume_anomaly_stg_events_by_event_name",
        target: { type: "model", model: "stg_events" },
        description: null,
        alertSuppressionHours: 24,
        path: FIXTURE,
        line: 13,
        severity: "warn",
        timestampColumn: "event_at",
        dimensions: ["event_name"],
        where: null,
        trainingDays: 14,
        minTrainingDays: 7,
        sensitivity: 3,
        direction: "both",
        method: "trend",
        seasonality: "none",
        ignoreSmallChanges: { spikePct: 30, dropPct: 30 },
        detectionDays: null,
      } satisfies CheckDeclaration,
    );
  });
  await t.step(
    "a volume_anomaly with a single dimension, mean, seasonality, detection period",
    () => {
      const c = byName.get("volume_anomaly_stg_events_drops_by_platform")!;
      assert.equal(c.kind, "volume_anomaly");
      if (c.kind !== "volume_anomaly") return;
      assert.deepEqual(
        [c.dimensions, c.direction, c.method, c.seasonality, c.detectionDays, c.severity],
        [["platform"], "drop", "mean", "day_of_week", 2, "error"],
      );
      assert.equal(c.alertSuppressionHours, null);
    },
  );
  await t.step("freshness on a model column and on a source's loaded_at_field", () => {
    const model = byName.get("freshness_stg_events")!;
    const source = byName.get("freshness_raw_events")!;
    assert.ok(model.kind === "freshness" && source.kind === "freshness");
    assert.deepEqual(
      [model.timestampColumn, model.warnAfter, model.errorAfter],
      ["event_at", { count: 1, period: "day" }, { count: 2, period: "day" }],
    );
    assert.deepEqual(source.target, { type: "source", source: "raw", table: "events" });
    assert.deepEqual(
      [source.timestampColumn, source.warnAfter, source.errorAfter],
      ["_loaded_at", null, { count: 36, period: "hour" }],
    );
  });
  await t.step("schema_change: explicit and bare", () => {
    const a = byName.get("schema_change_raw_events_payload")!;
    const b = byName.get("schema_change_raw_app_events_payload")!;
    assert.ok(a.kind === "schema_change" && b.kind === "schema_change");
    assert.deepEqual([a.column, a.severity, a.alertSuppressionHours], ["payload", "warn", 72]);
    assert.deepEqual([b.column, b.severity, b.alertSuppressionHours], ["payload", "warn", null]);
  });
  await t.step("models and sources that exist can be required", () => {
    assert.throws(
      () =>
        parseCheckDeclarations(Deno.readTextFileSync(FIXTURE), FIXTURE, {
          models: ["stg_events", "stg_users"],
          sources: ["raw.events"],
        }),
      /line 56: source "raw.app_events": no such source table; known: raw.events/,
    );
    assert.throws(
      () =>
        parseCheckDeclarations(Deno.readTextFileSync(FIXTURE), FIXTURE, { models: ["fct_events"] }),
      /"tests\/testdata\/checks\/schema.yml" line 13: model "stg_events": no such model; known models: fct_events/,
    );
  });
});

Deno.test("parseCheckDeclarations() names the file, line, owner, check and key of each mistake", async (t) => {
  const model = (checks: string) =>
    `models:\n  - name: stg_events\n    checks:\n${checks.replace(/^/gm, "      ")}\n`;
  const cases: [string, string, RegExp][] = [
    [
      "misspelt key",
      model("- volume_anomaly:\n    timestamp_column: event_at\n    sensitivty: 3"),
      /^TypeError: Cannot read checks in "x.yml" line 6: model "stg_events" check 1 \(volume_anomaly\): unknown key "sensitivty"; expected one of name, description, alert_suppression_interval, severity, timestamp_column, dimensions, where, training_days, min_training_days, sensitivity, direction/,
    ],
    [
      "unknown check",
      model("- row_count_anomaly: {}"),
      /line 4: model "stg_events" check 1: unknown check "row_count_anomaly"; expected one of volume_anomaly, freshness, schema_change/,
    ],
    [
      "missing required key",
      model("- volume_anomaly: { dimensions: [event_name] }"),
      /line 4: model "stg_events" check 1 \(volume_anomaly\): missing required key "timestamp_column"/,
    ],
    [
      "wrong type",
      model("- volume_anomaly: { timestamp_column: event_at, sensitivity: high }"),
      /line 4: .*check 1 \(volume_anomaly\) key "sensitivity": must be a number, got "high"/,
    ],
    [
      "out of range",
      model(
        "- volume_anomaly:\n    timestamp_column: event_at\n    training_days: 10\n    min_training_days: 12",
      ),
      /^RangeError: .*line 7: .*key "min_training_days": must be at most 10, got 12/,
    ],
    [
      "too few training days for a trend",
      model("- volume_anomaly: { timestamp_column: t, training_days: 2 }"),
      /key "training_days": must be at least 3, got 2/,
    ],
    [
      "bad enum",
      model("- volume_anomaly: { timestamp_column: t, direction: down }"),
      /key "direction": must be one of both, spike, drop, got "down"/,
    ],
    [
      "bad nested key",
      model("- volume_anomaly:\n    timestamp_column: t\n    ignore_small_changes: { spike: 10 }"),
      /line 6: .*key "ignore_small_changes": unknown key "spike"; expected one of spike_pct, drop_pct/,
    ],
    [
      "drop_pct above 100",
      model("- volume_anomaly: { timestamp_column: t, ignore_small_changes: { drop_pct: 120 } }"),
      /key "drop_pct": must be at most 100, got 120/,
    ],
    [
      "freshness without thresholds",
      model("- freshness: { timestamp_column: t }"),
      /check 1 \(freshness\): needs warn_after, error_after or both/,
    ],
    [
      "freshness with both column keys",
      model(
        "- freshness: { timestamp_column: t, loaded_at_field: u, warn_after: { count: 1, period: day } }",
      ),
      /key "loaded_at_field": give timestamp_column or loaded_at_field, not both/,
    ],
    [
      "bad period",
      model("- freshness:\n    timestamp_column: t\n    warn_after: { count: 1, period: week }"),
      /line 6: .*key "period": must be one of minute, hour, day, got "week"/,
    ],
    [
      "count not whole",
      model("- freshness: { timestamp_column: t, warn_after: { count: 1.5, period: day } }"),
      /key "count": must be a whole number, got 1.5/,
    ],
    [
      "warn after error",
      model(
        "- freshness:\n    timestamp_column: t\n    warn_after: { count: 3, period: day }\n    error_after: { count: 12, period: hour }",
      ),
      /key "warn_after": must not be longer than error_after/,
    ],
    [
      "freshness has no severity",
      model(
        "- freshness: { timestamp_column: t, severity: error, warn_after: { count: 1, period: day } }",
      ),
      /unknown key "severity"; expected one of name, description, alert_suppression_interval, timestamp_column, loaded_at_field/,
    ],
    [
      "two kinds in one item",
      model("- freshness: {}\n  schema_change: {}"),
      /check 1: each check is one of volume_anomaly, freshness, schema_change with its settings/,
    ],
    [
      "checks not a list",
      "models:\n  - name: m\n    checks: { freshness: {} }\n",
      /line 3: model "m" checks: must be a list/,
    ],
    [
      "settings not a mapping",
      model("- schema_change: payload"),
      /check 1 \(schema_change\): settings must be a mapping of key: value/,
    ],
    [
      "negative suppression",
      model("- schema_change: { alert_suppression_interval: -1 }"),
      /key "alert_suppression_interval": must be at least 0, got -1/,
    ],
    [
      "YAML syntax",
      "models:\n  - name: m\n    checks: [\n",
      /^SyntaxError: Cannot read checks in "x.yml" line \d:/,
    ],
    [
      "duplicate names",
      model("- schema_change\n- schema_change"),
      /check name "schema_change_stg_events_payload" is declared twice: "x.yml" line 4 and "x.yml" line 5; give one of them a name/,
    ],
  ];
  for (const [name, yaml, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => parseCheckDeclarations(yaml, "x.yml"), (error: Error) => {
        assert.match(`${error.name}: ${error.message}`, message);
        return true;
      });
    });
  }
  await t.step("files without checks give none", () => {
    assert.deepEqual(parseCheckDeclarations("", "empty.yml"), []);
    assert.deepEqual(parseCheckDeclarations("version: 2\nmodels:\n  - name: m\n", "m.yml"), []);
  });
});

Deno.test("loadCheckDeclarations() reads every YAML file under a folder and keeps names unique", async () => {
  await using dir = await tempDir("observe_checks_");
  await Deno.mkdir(join(dir.path, "staging"));
  await Deno.copyFile(FIXTURE, join(dir.path, "staging", "schema.yml"));
  await Deno.writeTextFile(
    join(dir.path, "sources.yaml"),
    "sources:\n  - name: raw\n    tables:\n      - name: listings\n        checks:\n          - freshness: { loaded_at_field: _loaded_at, warn_after: { count: 6, period: hour } }\n",
  );
  const checks = await loadCheckDeclarations(dir.path);
  assert.deepEqual(checks.map((c) => c.name), [
    "freshness_raw_listings",
    "volume_anomaly_stg_events_by_event_name",
    "volume_anomaly_stg_events_drops_by_platform",
    "freshness_stg_events",
    "schema_change_raw_events_payload",
    "freshness_raw_events",
    "schema_change_raw_app_events_payload",
  ]);
  await Deno.writeTextFile(
    join(dir.path, "more.yml"),
    "models:\n  - name: stg_events\n    checks:\n      - freshness: { timestamp_column: t, warn_after: { count: 1, period: day } }\n",
  );
  await assert.rejects(
    () => loadCheckDeclarations(dir.path),
    /check name "freshness_stg_events" is declared twice: ".*more.yml" line 4 and ".*staging\/schema.yml" line 32/,
  );
});

Deno.test("the project's own checks: declared next to the data tests, the model loader content, real models and sources", async () => {
  const project = await loadProject("sql");
  assert.ok(project.models.has("stg_events"));
  const checks = await loadCheckDeclarations("sql", {
    models: project.models.keys(),
    sources: project.sources.keys(),
  });
  assert.deepEqual(checks.map((c) => [c.name, c.path]), [
    ["freshness_raw_events", "sql/sources.yml"],
    ["schema_change_raw_events_payload", "sql/sources.yml"],
    ["volume_anomaly_stg_events_by_event_name", "sql/staging/schema.yml"],
  ]);
  const volume = checks[2]!;
  assert.ok(volume.kind === "volume_anomaly");
  assert.deepEqual([volume.timestampColumn, volume.dimensions, volume.severity], [
    "event_at",
    ["event_name"],
    "warn",
  ]);
});
