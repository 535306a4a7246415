/**
 * Schema changes of raw JSON payloads between two runs: keys that appeared or vanished, and
 * keys whose JSON type changed.
 *
 * @module
 */

/** A JSON value's type, as JSON Schema and DuckDB's / BigQuery's `json_type` name them. */
export type JsonType = "string" | "number" | "boolean" | "object" | "array" | "null";

/**
 * Key path → type of a payload column, e.g. `{ "event": "string", "properties.weight_kg":
 * "number|string" }`. A key seen with several non-null types has them sorted and joined with
 * `|`; a key only ever seen as `null` has type `null`. Nested object keys are dotted paths.
 */
export type PayloadSchema = Record<string, string>;

/** Options for {@linkcode inferPayloadSchema}. */
export interface InferSchemaOptions {
  /**
   * Object levels to descend: 1 lists top-level keys only, 2 also the keys of objects under
   * them (`properties.listing_id`), and so on.
   * @default {2}
   */
  maxDepth?: number;
}

/** One key whose type changed. */
export interface TypeChange {
  /** Key path. */
  key: string;
  /** Type in the previous schema. */
  from: string;
  /** Type now. */
  to: string;
}

/** Result of {@linkcode diffPayloadSchemas}. */
export interface SchemaChange {
  /** True when there was no previous schema to compare with (the first run). */
  baseline: boolean;
  /** True when any key appeared, vanished or changed type. */
  changed: boolean;
  /** Keys present now but not before, with their type, sorted. */
  appeared: { key: string; type: string }[];
  /** Keys present before but not now, with their previous type, sorted. */
  vanished: { key: string; type: string }[];
  /** Keys present in both with a different type, sorted. */
  typeChanged: TypeChange[];
}

/** The JSON type of a parsed JSON value. */
export function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  const t = typeof value;
  if (t === "string" || t === "number" || t === "boolean") return t;
  if (t === "object") return "object";
  throw new TypeError(`Cannot type a ${t} as JSON`);
}

/**
 * The key → type map of a sample of parsed payloads (objects; anything else is skipped).
 * Types of a key are merged across payloads: `null` only counts when a key is never seen with
 * another type, since a JSON null says nothing about the type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const payloads = [{ id: "E1", n: 1 }, { id: "E2", n: "2", p: { a: true } }];
 * assert.deepEqual(inferPayloadSchema(payloads), {
 *   id: "string",
 *   n: "number|string",
 *   p: "object",
 *   "p.a": "boolean",
 * });
 * ```
 */
export function inferPayloadSchema(
  payloads: Iterable<unknown>,
  options: InferSchemaOptions = {},
): PayloadSchema {
  const maxDepth = options.maxDepth ?? 2;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new RangeError(`Invalid inferPayloadSchema option "maxDepth": ${maxDepth}`);
  }
  const seen = new Map<string, Set<JsonType>>();
  const visit = (object: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [key, value] of Object.entries(object)) {
      const path = prefix + key;
      const type = jsonType(value);
      let types = seen.get(path);
      if (!types) seen.set(path, types = new Set());
      types.add(type);
      if (type === "object" && depth < maxDepth) {
        visit(value as Record<string, unknown>, `${path}.`, depth + 1);
      }
    }
  };
  for (const payload of payloads) {
    if (jsonType(payload) === "object") visit(payload as Record<string, unknown>, "", 1);
  }
  return schemaFromKeyTypes(
    [...seen].flatMap(([key, types]) => [...types].map((type) => ({ key, type }))),
  );
}

/**
 * A schema from `(key, type)` rows, as a warehouse query returns them (DuckDB
 * `json_keys`/`json_type`, BigQuery `JSON_KEYS`/`JSON_TYPE`, lower-cased); types of a key
 * are merged as in {@linkcode inferPayloadSchema}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // rows as a warehouse query over the payloads gives them (key, json_type)
 * const rows = [{ key: "ts", type: "string" }, { key: "ts", type: "number" }];
 * assert.deepEqual(schemaFromKeyTypes(rows), { ts: "number|string" });
 * ```
 */
export function schemaFromKeyTypes(rows: Iterable<{ key: string; type: string }>): PayloadSchema {
  const types = new Map<string, Set<string>>();
  for (const { key, type } of rows) {
    const t = String(type).toLowerCase();
    let set = types.get(key);
    if (!set) types.set(key, set = new Set());
    // Warehouses name JSON numbers by kind; a JSON number is a number.
    set.add(
      ["integer", "bigint", "ubigint", "double", "float", "int64", "float64"].includes(t)
        ? "number"
        : t,
    );
  }
  const schema: PayloadSchema = {};
  for (const key of [...types.keys()].sort()) {
    const set = types.get(key)!;
    if (set.size > 1) set.delete("null");
    schema[key] = [...set].sort().join("|");
  }
  return schema;
}

/**
 * Compare a payload schema with the previous run's. Without a previous schema (`null`), the
 * result is a `baseline` with no changes: there is nothing to compare with yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const change = diffPayloadSchemas(
 *   { event_id: "string", ts: "string", platform: "string" },
 *   { event_id: "string", ts: "number", app_version: "string" },
 * );
 * assert.deepEqual(describeSchemaChange(change), [
 *   "+ app_version (string)",
 *   "- platform (string)",
 *   "~ ts: string → number",
 * ]);
 * assert.equal(diffPayloadSchemas(null, { ts: "string" }).baseline, true); // the first run
 * ```
 */
export function diffPayloadSchemas(
  previous: PayloadSchema | null,
  current: PayloadSchema,
): SchemaChange {
  if (previous === null) {
    return { baseline: true, changed: false, appeared: [], vanished: [], typeChanged: [] };
  }
  const appeared = Object.keys(current).filter((k) => !(k in previous)).sort()
    .map((key) => ({ key, type: current[key]! }));
  const vanished = Object.keys(previous).filter((k) => !(k in current)).sort()
    .map((key) => ({ key, type: previous[key]! }));
  const typeChanged = Object.keys(current).filter((k) =>
    k in previous && previous[k] !== current[k]
  )
    .sort()
    .map((key) => ({ key, from: previous[key]!, to: current[key]! }));
  return {
    baseline: false,
    changed: appeared.length + vanished.length + typeChanged.length > 0,
    appeared,
    vanished,
    typeChanged,
  };
}

/**
 * One line per change, for a sample or a message: `+ app_version (string)`, `- platform
 * (string)`, `~ ts: string → number`.
 */
export function describeSchemaChange(change: SchemaChange): string[] {
  return [
    ...change.appeared.map((a) => `+ ${a.key} (${a.type})`),
    ...change.vanished.map((v) => `- ${v.key} (${v.type})`),
    ...change.typeChanged.map((c) => `~ ${c.key}: ${c.from} → ${c.to}`),
  ];
}
