import assert from "node:assert/strict";
import {
  describeSchemaChange,
  diffPayloadSchemas,
  inferPayloadSchema,
  schemaFromKeyTypes,
} from "../../lib/observe/mod.ts";

const EVENT = {
  event_id: "E000000001",
  user_id: "U000042",
  event: "start_listing",
  ts: "2026-03-01T10:00:00.000Z",
  session_id: "S00000001",
  platform: "web",
  properties: { listing_id: "L0000001", weight_kg: 12.5 },
};

Deno.test("inferPayloadSchema() types keys, merges types across payloads and descends objects", async (t) => {
  await t.step("one payload", () => {
    assert.deepEqual(inferPayloadSchema([EVENT]), {
      event: "string",
      event_id: "string",
      platform: "string",
      properties: "object",
      "properties.listing_id": "string",
      "properties.weight_kg": "number",
      session_id: "string",
      ts: "string",
      user_id: "string",
    });
  });
  await t.step(
    "mixed types are joined; null only when nothing else was seen; non-objects skipped",
    () => {
      const schema = inferPayloadSchema([
        { ts: "2026-03-01", n: null, flag: true, tags: ["a"], deep: { a: { b: 1 } } },
        { ts: 1772359200000, n: null, flag: null },
        "not an object",
        null,
        [1, 2],
      ]);
      assert.deepEqual(schema, {
        deep: "object",
        "deep.a": "object",
        flag: "boolean",
        n: "null",
        tags: "array",
        ts: "number|string",
      });
      assert.equal("deep.a.b" in schema, false, "maxDepth 2 by default");
      assert.equal(
        inferPayloadSchema([{ deep: { a: { b: 1 } } }], { maxDepth: 3 })["deep.a.b"],
        "number",
      );
    },
  );
  await t.step("from warehouse (key, type) rows, with warehouse type names", () => {
    assert.deepEqual(
      schemaFromKeyTypes([
        { key: "ts", type: "VARCHAR" },
        { key: "ts", type: "BIGINT" },
        { key: "weight_kg", type: "DOUBLE" },
        { key: "gone", type: "NULL" },
        { key: "weight_kg", type: "null" },
      ]),
      { gone: "null", ts: "number|varchar", weight_kg: "number" },
    );
  });
});

Deno.test("diffPayloadSchemas() reports keys that appeared, vanished and changed type", async (t) => {
  const before = inferPayloadSchema([EVENT]);
  await t.step("the first run is a baseline with no change", () => {
    assert.deepEqual(diffPayloadSchemas(null, before), {
      baseline: true,
      changed: false,
      appeared: [],
      vanished: [],
      typeChanged: [],
    });
  });
  await t.step("the same payloads: no change", () => {
    const change = diffPayloadSchemas(before, inferPayloadSchema([EVENT, { ...EVENT }]));
    assert.equal(change.changed, false);
    assert.deepEqual(describeSchemaChange(change), []);
  });
  await t.step("a new client release", () => {
    const { platform: _platform, ...rest } = EVENT;
    const after = inferPayloadSchema([{
      ...rest,
      ts: 1772359200000,
      app_version: "3.15.0",
      properties: { listing_id: "L0000001", weight_kg: "12.5" },
    }]);
    const change = diffPayloadSchemas(before, after);
    assert.equal(change.changed, true);
    assert.deepEqual(change.appeared, [{ key: "app_version", type: "string" }]);
    assert.deepEqual(change.vanished, [{ key: "platform", type: "string" }]);
    assert.deepEqual(change.typeChanged, [
      { key: "properties.weight_kg", from: "number", to: "string" },
      { key: "ts", from: "string", to: "number" },
    ]);
    assert.deepEqual(describeSchemaChange(change), [
      "+ app_version (string)",
      "- platform (string)",
      "~ properties.weight_kg: number → string",
      "~ ts: string → number",
    ]);
  });
});
