/**
 * The raw layer's shape, shared by every warehouse adapter: which columns each CSV source
 * must have and which event fields every line must carry (see docs/contracts.md).
 *
 * @module
 */
import type { RawKind, Relation } from "./types.ts";

/** CSV header, exactly, for each CSV-backed raw table. */
export const RAW_CSV_COLUMNS: Readonly<Record<Exclude<RawKind, "events">, readonly string[]>> = {
  users: ["user_id", "full_name", "email", "company", "tier", "region", "signup_at"],
  listings: [
    "listing_id",
    "user_id",
    "title",
    "category",
    "weight_kg",
    "eco_score_kg_co2e",
    "region",
    "created_at",
  ],
};

/** Fields an event line must have to be accepted into `raw.events`. */
export const REQUIRED_EVENT_FIELDS: readonly string[] = ["event_id", "user_id", "event", "ts"];

/** The schema that holds the raw tables, the rejected tables and the load manifest. */
export const RAW_SCHEMA = "raw";

/** The load manifest: one row per loaded file (see docs/contracts.md). */
export const LOAD_MANIFEST_RELATION: Relation = { schema: RAW_SCHEMA, name: "_load_manifest" };

/**
 * The name a raw table goes by in the load manifest (`table_name`) and in
 * `LoadFileResult.table`, independent of the warehouse: `raw.<kind>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(rawTableName("events"), "raw.events");
 * ```
 */
export function rawTableName(kind: RawKind): string {
  return `${RAW_SCHEMA}.${kind}`;
}

/**
 * The table a manifest `table_name` stands for, and the table its rejected lines go to;
 * ask the warehouse to spell them (`warehouse.relation(rows)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(rawRelations("raw.events"), {
 *   rows: { schema: "raw", name: "events" },
 *   rejected: { schema: "raw", name: "events_rejected" },
 * });
 * ```
 */
export function rawRelations(tableName: string): { rows: Relation; rejected: Relation } {
  const dot = tableName.indexOf(".");
  const schema = dot < 0 ? RAW_SCHEMA : tableName.slice(0, dot);
  const name = tableName.slice(dot + 1);
  return { rows: { schema, name }, rejected: { schema, name: `${name}_rejected` } };
}

/**
 * A file in a dataset directory that says the dataset is being replaced (generate writes
 * it for the moment it moves new files in); the loader refuses a directory holding it.
 */
export const INCOMPLETE_DATASET_MARKER = ".terraloop-incomplete";

/** Load metadata columns every raw table carries. */
export const LOAD_METADATA_COLUMNS: readonly string[] = [
  "_raw_id",
  "_source_file",
  "_line",
  "_loaded_at",
];

/**
 * Which raw kind a dataset file feeds, from its name; `undefined` for files the loader
 * ignores (such as `truth.json`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(rawKindOf("events-2026-01-01.ndjson.gz"), "events");
 * assert.equal(rawKindOf("users.csv"), "users");
 * assert.equal(rawKindOf("truth.json"), undefined);
 * ```
 */
export function rawKindOf(fileName: string): RawKind | undefined {
  if (/^events-.*\.ndjson(\.gz)?$/.test(fileName)) return "events";
  if (fileName === "users.csv") return "users";
  if (fileName === "listings.csv") return "listings";
  return undefined;
}

/**
 * Compare a CSV header line with the expected columns; returns a problem description or
 * `undefined` when they match exactly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const header = "user_id,full_name,email,company,tier,region,signup_at";
 * assert.equal(headerProblem("users", header), undefined);
 * assert.match(headerProblem("users", "user_id,full_name") ?? "", /missing "email"/);
 * ```
 */
export function headerProblem(kind: Exclude<RawKind, "events">, headerLine: string) {
  const expected = RAW_CSV_COLUMNS[kind];
  const found = headerLine.replace(/^\uFEFF/, "").replace(/\r$/, "").split(",")
    .map((name) => name.trim().replace(/^"(.*)"$/, "$1"));
  if (found.length === expected.length && found.every((name, i) => name === expected[i])) {
    return undefined;
  }
  const missing = expected.filter((name) => !found.includes(name));
  const extra = found.filter((name) => !expected.includes(name));
  const details = [
    missing.length ? `missing ${missing.map((m) => `"${m}"`).join(", ")}` : "",
    extra.length ? `unexpected ${extra.map((m) => `"${m}"`).join(", ")}` : "",
    !missing.length && !extra.length ? "columns are in the wrong order" : "",
  ].filter(Boolean).join("; ");
  return `expected header "${expected.join(",")}" but found "${found.join(",")}" (${details})`;
}
