/**
 * Data-observability checks declared in the models' YAML, next to the data tests:
 *
 * ```yaml
 * models:
 *   - name: stg_events
 *     checks:
 *       - volume_anomaly:
 *           timestamp_column: event_at
 *           dimensions: [event_name]
 *           severity: warn
 *       - freshness:
 *           timestamp_column: event_at
 *           warn_after: { count: 1, period: day }
 *           error_after: { count: 2, period: day }
 * sources:
 *   - name: raw
 *     tables:
 *       - name: events
 *         checks:
 *           - schema_change: { column: payload }
 * ```
 *
 * Every key is listed in docs/observability.md. A mistake is reported with the file, the line,
 * the model or source table, the check and the key.
 *
 * @module
 */
import { join, relative } from "node:path";
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node as YamlNode,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from "yaml";
import {
  FRESHNESS_PERIOD_SECONDS,
  type FreshnessThreshold,
  thresholdSeconds,
} from "./freshness.ts";
import {
  type AnomalyDirection,
  DEFAULT_IGNORE_CHANGES_PCT,
  DEFAULT_MIN_TRAINING_DAYS,
  DEFAULT_SENSITIVITY,
  DEFAULT_TRAINING_DAYS,
  type VolumeMethod,
} from "./volume.ts";

/** Kinds of check. */
export const CHECK_KINDS = ["volume_anomaly", "freshness", "schema_change"] as const;
/** A kind of check. */
export type CheckKind = typeof CHECK_KINDS[number];

/** What a failing check reports: `warn` is shown, `error` fails the run. */
export type CheckSeverity = "warn" | "error";

/** The model or source table a check watches. */
export type CheckTarget =
  | { type: "model"; model: string }
  | { type: "source"; source: string; table: string };

/** What every check declaration has. */
export interface CheckBase {
  /** Unique name, e.g. `volume_anomaly_stg_events_by_event_name`. */
  name: string;
  /** The watched model or source table. */
  target: CheckTarget;
  /** Free text from YAML, or null. */
  description: string | null;
  /**
   * Hours during which a failure with an unchanged result is not alerted again (Elementary's
   * `alert_suppression_interval`); null leaves it to the alerting default (24 h).
   */
  alertSuppressionHours: number | null;
  /** YAML file that declares it, as given to the parser. */
  path: string;
  /** 1-based line of the declaration. */
  line: number;
}

/** `volume_anomaly`: daily row counts per dimension, scored as in `volumeAnomalies()`. */
export interface VolumeAnomalyCheck extends CheckBase {
  kind: "volume_anomaly";
  /** `warn` (default) or `error`. */
  severity: CheckSeverity;
  /** Timestamp column whose UTC day buckets the rows. */
  timestampColumn: string;
  /** Columns with one series per value combination. */
  dimensions: string[];
  /** SQL condition on the rows counted, or null. */
  where: string | null;
  /** Training window in days. */
  trainingDays: number;
  /** Fewest training days before a day is scored. */
  minTrainingDays: number;
  /** Anomaly score threshold. */
  sensitivity: number;
  /** `both`, `spike` or `drop`. */
  direction: AnomalyDirection;
  /** `trend` or `mean`. */
  method: VolumeMethod;
  /** `none` or `day_of_week`. */
  seasonality: "none" | "day_of_week";
  /** Relative changes never flagged, in percent. */
  ignoreSmallChanges: { spikePct: number; dropPct: number };
  /** Only the last N days can alert; null: every day. */
  detectionDays: number | null;
}

/** `freshness`: the newest timestamp against `warn_after` / `error_after`. */
export interface FreshnessCheck extends CheckBase {
  kind: "freshness";
  /** dbt's `loaded_at_field`. */
  timestampColumn: string;
  /** Age beyond which the check warns, or null. */
  warnAfter: FreshnessThreshold | null;
  /** Age beyond which the check errors, or null. */
  errorAfter: FreshnessThreshold | null;
  /** SQL condition on the rows considered (dbt's `filter`), or null. */
  where: string | null;
}

/** `schema_change`: JSON keys of a payload column that appeared, vanished or changed type. */
export interface SchemaChangeCheck extends CheckBase {
  kind: "schema_change";
  /** `warn` (default) or `error`. */
  severity: CheckSeverity;
  /** The JSON column. */
  column: string;
  /** SQL condition on the rows read (e.g. recent loads only, on a large table), or null. */
  where: string | null;
}

/** A parsed check declaration. */
export type CheckDeclaration = VolumeAnomalyCheck | FreshnessCheck | SchemaChangeCheck;

/** Options for {@linkcode parseCheckDeclarations} and {@linkcode loadCheckDeclarations}. */
export interface ParseChecksOptions {
  /** Model names that exist; a check on another model is an error. @default {undefined} (not checked) */
  models?: Iterable<string>;
  /** Source tables that exist, as `source.table`. @default {undefined} (not checked) */
  sources?: Iterable<string>;
}

const _COMMON_KEYS = ["name", "description", "alert_suppression_interval"];
const _KEYS: Record<CheckKind, string[]> = {
  volume_anomaly: [
    ..._COMMON_KEYS,
    "severity",
    "timestamp_column",
    "dimensions",
    "where",
    "training_days",
    "min_training_days",
    "sensitivity",
    "direction",
    "method",
    "seasonality",
    "ignore_small_changes",
    "detection_days",
  ],
  freshness: [
    ..._COMMON_KEYS,
    "timestamp_column",
    "loaded_at_field",
    "warn_after",
    "error_after",
    "filter",
  ],
  schema_change: [..._COMMON_KEYS, "severity", "column", "where"],
};

/**
 * Read the `checks:` of every model and source table in one YAML text (a dbt-style
 * `schema.yml` or `sources.yml`). Everything else in the file is left to the model project
 * loader. Defaults are filled in, so each declaration is complete.
 *
 * Throws `SyntaxError` for YAML that does not parse, `TypeError` for a wrong shape or type and
 * `RangeError` for a value out of range, each naming the file, line, owner, check and key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const yaml = `
 * models:
 *   - name: stg_events
 *     checks:
 *       - volume_anomaly:
 *           timestamp_column: event_at
 *           dimensions: [event_name]
 *       - freshness:
 *           timestamp_column: event_at
 *           warn_after: { count: 1, period: day }
 * `; // e.g. await Deno.readTextFile("sql/staging/schema.yml")
 * const checks = parseCheckDeclarations(yaml, "sql/staging/schema.yml");
 * assert.deepEqual(checks.map((c) => [c.name, c.line]), [
 *   ["volume_anomaly_stg_events_by_event_name", 5],
 *   ["freshness_stg_events", 8],
 * ]);
 * assert.throws(
 *   () => parseCheckDeclarations(yaml.replace("period: day", "period: fortnight"), "schema.yml"),
 *   /"schema.yml" line 10: model "stg_events" check 2 \(freshness\) key "warn_after" key "period"/,
 * );
 * ```
 */
export function parseCheckDeclarations(
  text: string,
  path: string,
  options: ParseChecksOptions = {},
): CheckDeclaration[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (node: YamlNode | null | undefined) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new SyntaxError(
      `Cannot read checks in "${path}" line ${lineCounter.linePos(error.pos[0]).line}: ${
        error.message.split("\n")[0]
      }`,
    );
  }
  const ctx: _Context = { path, lineOf, options };
  const root = doc.contents;
  if (root === null || root === undefined) return [];
  if (!isMap(root)) _fail(ctx, root, "file", "the top level must be a mapping", TypeError);
  const out: CheckDeclaration[] = [];
  const models = root.get("models", true) as YamlNode | undefined;
  if (models !== undefined && models !== null) {
    for (const item of _seq(ctx, models, "models")) {
      if (!isMap(item)) continue;
      const name = _scalarString(item.get("name", true) as YamlNode | undefined);
      const checks = item.get("checks", true) as YamlNode | undefined;
      if (checks === undefined || checks === null) continue;
      if (name === null) _fail(ctx, item, "models", "a model with checks needs a name", TypeError);
      out.push(..._checks(ctx, checks, { type: "model", model: name }, `model "${name}"`));
    }
  }
  const sources = root.get("sources", true) as YamlNode | undefined;
  if (sources !== undefined && sources !== null) {
    for (const source of _seq(ctx, sources, "sources")) {
      if (!isMap(source)) continue;
      const sourceName = _scalarString(source.get("name", true) as YamlNode | undefined);
      const tables = source.get("tables", true) as YamlNode | undefined;
      if (tables === undefined || tables === null) continue;
      for (const table of _seq(ctx, tables, `source "${sourceName}" tables`)) {
        if (!isMap(table)) continue;
        const tableName = _scalarString(table.get("name", true) as YamlNode | undefined);
        const checks = table.get("checks", true) as YamlNode | undefined;
        if (checks === undefined || checks === null) continue;
        if (sourceName === null || tableName === null) {
          _fail(ctx, table, "sources", "a source table with checks needs a name", TypeError);
        }
        out.push(
          ..._checks(
            ctx,
            checks,
            { type: "source", source: sourceName, table: tableName },
            `source "${sourceName}.${tableName}"`,
          ),
        );
      }
    }
  }
  _checkUnique(out);
  return out;
}

/**
 * Read the checks of every `.yml` / `.yaml` file under `dir` (recursively, in path order) and
 * make sure check names are unique across files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir(); // the project's: "sql"
 * await Deno.mkdir(`${dir}/staging`);
 * await Deno.writeTextFile(
 *   `${dir}/staging/schema.yml`,
 *   `models:
 *   - name: stg_events
 *     checks:
 *       - volume_anomaly: { timestamp_column: event_at }`,
 * );
 * const checks = await loadCheckDeclarations(dir);
 * assert.deepEqual(checks.map((c) => [c.kind, targetName(c.target)]), [
 *   ["volume_anomaly", "stg_events"],
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCheckDeclarations(
  dir: string,
  options: ParseChecksOptions = {},
): Promise<CheckDeclaration[]> {
  const files: string[] = [];
  const walk = async (d: string) => {
    for await (const entry of Deno.readDir(d)) {
      const p = join(d, entry.name);
      if (entry.isDirectory) await walk(p);
      else if (entry.isFile && /\.ya?ml$/.test(entry.name)) files.push(p);
    }
  };
  await walk(dir);
  files.sort();
  const out: CheckDeclaration[] = [];
  for (const file of files) {
    const shown = relative(Deno.cwd(), file) || file;
    out.push(...parseCheckDeclarations(await Deno.readTextFile(file), shown, options));
  }
  _checkUnique(out);
  return out;
}

/** The display name of a check's target: `stg_events` or `raw.events`. */
export function targetName(target: CheckTarget): string {
  return target.type === "model" ? target.model : `${target.source}.${target.table}`;
}

interface _Context {
  path: string;
  lineOf: (node: YamlNode | null | undefined) => number;
  options: ParseChecksOptions;
}

function _fail(
  ctx: _Context,
  node: YamlNode | null | undefined,
  where: string,
  message: string,
  Kind: typeof TypeError | typeof RangeError,
): never {
  throw new Kind(
    `Cannot read checks in "${ctx.path}" line ${ctx.lineOf(node)}: ${where}: ${message}`,
  );
}

function _seq(ctx: _Context, node: YamlNode, where: string): YamlNode[] {
  if (!isSeq(node)) _fail(ctx, node, where, "must be a list", TypeError);
  return node.items as YamlNode[];
}

function _scalarString(node: YamlNode | undefined | null): string | null {
  if (!node || !isScalar(node)) return null;
  const v = (node as Scalar).value;
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
}

function _checks(
  ctx: _Context,
  node: YamlNode,
  target: CheckTarget,
  owner: string,
): CheckDeclaration[] {
  _checkTarget(ctx, node, target, owner);
  return _seq(ctx, node, `${owner} checks`).map((item, i) => {
    // `- schema_change` (defaults) or `- schema_change: {…}`.
    let kind: string | null = null;
    let body: YamlNode | null = null;
    if (isScalar(item)) kind = _scalarString(item);
    else if (isMap(item) && item.items.length === 1) {
      const pair = item.items[0]!;
      kind = _scalarString(pair.key as YamlNode);
      body = (pair.value as YamlNode | null) ?? null;
    } else {
      _fail(
        ctx,
        item,
        `${owner} check ${i + 1}`,
        `each check is one of ${CHECK_KINDS.join(", ")} with its settings, e.g. "- freshness: {…}"`,
        TypeError,
      );
    }
    if (kind === null || !(CHECK_KINDS as readonly string[]).includes(kind)) {
      _fail(
        ctx,
        item,
        `${owner} check ${i + 1}`,
        `unknown check "${kind}"; expected one of ${CHECK_KINDS.join(", ")}`,
        TypeError,
      );
    }
    const where = `${owner} check ${i + 1} (${kind})`;
    const settings = _settings(ctx, body, where, _KEYS[kind as CheckKind]);
    const r = new _Reader(ctx, settings, body ?? item, where);
    const base = {
      target,
      description: r.string("description"),
      alertSuppressionHours: r.number("alert_suppression_interval", { min: 0 }),
      path: ctx.path,
      line: ctx.lineOf(item),
    };
    const subject = target.type === "model" ? target.model : `${target.source}_${target.table}`;
    switch (kind as CheckKind) {
      case "volume_anomaly": {
        const timestampColumn = r.required(r.string("timestamp_column"), "timestamp_column");
        const dimensions = r.stringList("dimensions");
        const method = r.oneOf("method", ["trend", "mean"] as const) ?? "trend";
        const least = method === "trend" ? 3 : 2;
        const trainingDays = r.integer("training_days", { min: least }) ?? DEFAULT_TRAINING_DAYS;
        const minTrainingDays = r.integer("min_training_days", { min: least, max: trainingDays }) ??
          Math.min(DEFAULT_MIN_TRAINING_DAYS, trainingDays);
        const ignore = r.map("ignore_small_changes", ["spike_pct", "drop_pct"]);
        return {
          ...base,
          kind: "volume_anomaly",
          name: r.string("name") ??
            `volume_anomaly_${subject}${dimensions.length ? `_by_${dimensions.join("_")}` : ""}`,
          severity: r.oneOf("severity", ["warn", "error"] as const) ?? "warn",
          timestampColumn,
          dimensions,
          where: r.string("where"),
          trainingDays,
          minTrainingDays,
          sensitivity: r.number("sensitivity", { min: 0, exclusiveMin: true }) ??
            DEFAULT_SENSITIVITY,
          direction: r.oneOf("direction", ["both", "spike", "drop"] as const) ?? "both",
          method,
          seasonality: r.oneOf("seasonality", ["none", "day_of_week"] as const) ?? "none",
          ignoreSmallChanges: {
            spikePct: ignore?.number("spike_pct", { min: 0 }) ?? DEFAULT_IGNORE_CHANGES_PCT,
            dropPct: ignore?.number("drop_pct", { min: 0, max: 100 }) ??
              DEFAULT_IGNORE_CHANGES_PCT,
          },
          detectionDays: r.integer("detection_days", { min: 1 }),
        };
      }
      case "freshness": {
        const loadedAt = r.string("loaded_at_field");
        const column = r.string("timestamp_column");
        if (loadedAt !== null && column !== null) {
          r.fail(
            "loaded_at_field",
            "give timestamp_column or loaded_at_field, not both",
            TypeError,
          );
        }
        const warnAfter = r.threshold("warn_after");
        const errorAfter = r.threshold("error_after");
        if (warnAfter === null && errorAfter === null) {
          r.fail(null, "needs warn_after, error_after or both", TypeError);
        }
        if (
          warnAfter !== null && errorAfter !== null &&
          thresholdSeconds(warnAfter, "warn_after") > thresholdSeconds(errorAfter, "error_after")
        ) {
          r.fail(
            "warn_after",
            "must not be longer than error_after (the warning would never show)",
            RangeError,
          );
        }
        return {
          ...base,
          kind: "freshness",
          name: r.string("name") ?? `freshness_${subject}`,
          timestampColumn: r.required(column ?? loadedAt, "timestamp_column"),
          warnAfter,
          errorAfter,
          where: r.string("filter"),
        };
      }
      case "schema_change": {
        const column = r.string("column") ?? "payload";
        return {
          ...base,
          kind: "schema_change",
          name: r.string("name") ?? `schema_change_${subject}_${column}`,
          severity: r.oneOf("severity", ["warn", "error"] as const) ?? "warn",
          column,
          where: r.string("where"),
        };
      }
    }
  });
}

function _checkTarget(ctx: _Context, node: YamlNode, target: CheckTarget, owner: string): void {
  if (target.type === "model" && ctx.options.models !== undefined) {
    const known = new Set(ctx.options.models);
    if (!known.has(target.model)) {
      _fail(
        ctx,
        node,
        owner,
        `no such model; known models: ${[...known].sort().join(", ")}`,
        TypeError,
      );
    }
  }
  if (target.type === "source" && ctx.options.sources !== undefined) {
    const known = new Set(ctx.options.sources);
    if (!known.has(`${target.source}.${target.table}`)) {
      _fail(
        ctx,
        node,
        owner,
        `no such source table; known: ${[...known].sort().join(", ")}`,
        TypeError,
      );
    }
  }
}

/** The settings mapping of a check (null or absent means all defaults). */
function _settings(
  ctx: _Context,
  node: YamlNode | null,
  where: string,
  allowed: string[],
): Map<string, { key: YamlNode; value: YamlNode | null }> {
  const out = new Map<string, { key: YamlNode; value: YamlNode | null }>();
  if (node === null || (isScalar(node) && node.value === null)) return out;
  if (!isMap(node)) _fail(ctx, node, where, "settings must be a mapping of key: value", TypeError);
  for (const pair of (node as YAMLMap).items) {
    const keyNode = pair.key as YamlNode;
    const key = _scalarString(keyNode) ?? "";
    if (!allowed.includes(key)) {
      _fail(
        ctx,
        keyNode,
        where,
        `unknown key "${key}"; expected one of ${allowed.join(", ")}`,
        TypeError,
      );
    }
    out.set(key, { key: keyNode, value: (pair.value as YamlNode | null) ?? null });
  }
  return out;
}

/** Typed access to a check's settings, with errors naming the key and its line. */
class _Reader {
  constructor(
    readonly ctx: _Context,
    readonly settings: Map<string, { key: YamlNode; value: YamlNode | null }>,
    readonly node: YamlNode,
    readonly where: string,
  ) {}

  fail(key: string | null, message: string, Kind: typeof TypeError | typeof RangeError): never {
    const entry = key === null ? undefined : this.settings.get(key);
    _fail(
      this.ctx,
      entry?.value ?? entry?.key ?? this.node,
      key === null ? this.where : `${this.where} key "${key}"`,
      message,
      Kind,
    );
  }

  required<T>(value: T | null, key: string): T {
    if (value === null) this.fail(null, `missing required key "${key}"`, TypeError);
    return value;
  }

  #value(key: string): unknown {
    const entry = this.settings.get(key);
    if (!entry || entry.value === null) return null;
    if (!isScalar(entry.value)) return entry.value;
    return (entry.value as Scalar).value;
  }

  string(key: string): string | null {
    const v = this.#value(key);
    if (v === null || v === undefined) return null;
    if (typeof v !== "string" || v.trim() === "") {
      this.fail(key, `must be a non-empty string, got ${_show(v)}`, TypeError);
    }
    return v.trim();
  }

  number(
    key: string,
    range: { min?: number; max?: number; exclusiveMin?: boolean } = {},
  ): number | null {
    const v = this.#value(key);
    if (v === null || v === undefined) return null;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      this.fail(key, `must be a number, got ${_show(v)}`, TypeError);
    }
    const { min, max, exclusiveMin } = range;
    if (min !== undefined && (exclusiveMin ? v <= min : v < min)) {
      this.fail(key, `must be ${exclusiveMin ? "above" : "at least"} ${min}, got ${v}`, RangeError);
    }
    if (max !== undefined && v > max) {
      this.fail(key, `must be at most ${max}, got ${v}`, RangeError);
    }
    return v;
  }

  integer(key: string, range: { min?: number; max?: number } = {}): number | null {
    const v = this.number(key, range);
    if (v !== null && !Number.isInteger(v)) {
      this.fail(key, `must be a whole number, got ${v}`, TypeError);
    }
    return v;
  }

  oneOf<const T extends string>(key: string, values: readonly T[]): T | null {
    const v = this.string(key);
    if (v === null) return null;
    if (!(values as readonly string[]).includes(v)) {
      this.fail(key, `must be one of ${values.join(", ")}, got "${v}"`, RangeError);
    }
    return v as T;
  }

  stringList(key: string): string[] {
    const entry = this.settings.get(key);
    if (!entry || entry.value === null) return [];
    if (isScalar(entry.value)) {
      const one = this.string(key);
      return one === null ? [] : [one];
    }
    if (!isSeq(entry.value)) this.fail(key, "must be a column name or a list of them", TypeError);
    return entry.value.items.map((item) => {
      const s = _scalarString(item as YamlNode);
      if (s === null) this.fail(key, "must list column names (strings)", TypeError);
      return s;
    });
  }

  map(key: string, allowed: string[]): _Reader | null {
    const entry = this.settings.get(key);
    if (!entry || entry.value === null) return null;
    const settings = _settings(this.ctx, entry.value, `${this.where} key "${key}"`, allowed);
    return new _Reader(this.ctx, settings, entry.value, `${this.where} key "${key}"`);
  }

  threshold(key: string): FreshnessThreshold | null {
    const r = this.map(key, ["count", "period"]);
    if (r === null) return null;
    const count = r.required(r.integer("count", { min: 1 }), "count");
    const period = r.required(
      r.oneOf(
        "period",
        Object.keys(FRESHNESS_PERIOD_SECONDS) as (keyof typeof FRESHNESS_PERIOD_SECONDS)[],
      ),
      "period",
    );
    return { count, period };
  }
}

function _show(value: unknown): string {
  if (isMap(value)) return "a mapping";
  if (isSeq(value)) return "a list";
  return JSON.stringify(value);
}

function _checkUnique(checks: CheckDeclaration[]): void {
  const seen = new Map<string, CheckDeclaration>();
  for (const check of checks) {
    const before = seen.get(check.name);
    if (before && before !== check) {
      throw new RangeError(
        `Cannot read checks: check name "${check.name}" is declared twice: "${before.path}" line ${before.line} and "${check.path}" line ${check.line}; give one of them a name`,
      );
    }
    seen.set(check.name, check);
  }
}
