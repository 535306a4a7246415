/**
 * Mess inspection: which of the generator's injected kinds of mess a raw event line shows,
 * and a few sample lines per kind from a dataset directory (notebook 01 shows them). The
 * inverse of the generator's mess injection, so it lives beside it.
 *
 * @module
 */

import { basename, join } from "node:path";
import {
  EVENT_NAMES,
  MAX_USERS,
  MESS_KINDS,
  type MessRates,
  UNKNOWN_EVENT_NAMES,
} from "./params.ts";

/** Options for {@linkcode sampleMessyLines}. */
export interface SampleMessyLinesOptions {
  /**
   * Lines shown per mess kind.
   * @default {1}
   */
  perKind?: number;
  /**
   * Stop after reading this many event lines, even if some kinds have no sample yet.
   * @default {200000}
   */
  maxLines?: number;
}

/** One raw event line and the kind of mess it shows. */
export interface MessyLine {
  /** A `truth.json` mess kind (see `MESS_KINDS`). */
  kind: string;
  /** Event file name. */
  file: string;
  /** 1-based line number in the file. */
  line: number;
  /** Other kinds the same line shows, comma-separated (`""` when none). */
  also: string;
  /** The line as delivered. */
  text: string;
}

/** Where a line was delivered, for the kinds that depend on it. */
export interface MessContext {
  /**
   * Day of the file the line was delivered in (`YYYY-MM-DD`); detects late arrivals.
   * @default {undefined}
   */
  fileDay?: string;
  /**
   * Event ids seen so far, updated in place; detects duplicate deliveries.
   * @default {undefined}
   */
  seenEventIds?: Set<string>;
}

/**
 * The mess kinds a raw event line shows, as `truth.json` names them, in `MESS_KINDS` order.
 * `context.fileDay` detects late arrivals; `context.seenEventIds` detects duplicate
 * deliveries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const line = '{"event_id":"E1","user_id":" u000042 ","event":"Session Start","ts":1767225600000}';
 * assert.deepEqual(messKindsOf(line), [
 *   "id_case_whitespace",
 *   "event_name_variant",
 *   "ts_epoch_ms",
 *   "missing_optional",
 * ]);
 * ```
 */
export function messKindsOf(line: string, context: MessContext = {}): (keyof MessRates)[] {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(line);
  } catch {
    return ["malformed"];
  }
  if (!event || typeof event !== "object" || Array.isArray(event)) return ["malformed"];
  const found = new Set<keyof MessRates>();
  const userId = typeof event.user_id === "string" ? event.user_id : "";
  const cleanId = userId.trim().toUpperCase();
  if (userId !== cleanId) found.add("id_case_whitespace");
  if (/^U\d{6}$/.test(cleanId) && Number(cleanId.slice(1)) > MAX_USERS) found.add("orphan_user");
  const name = typeof event.event === "string" ? event.event : "";
  const cleanName = name.trim().toLowerCase().replace(/[ -]/g, "_");
  if ((UNKNOWN_EVENT_NAMES as readonly string[]).includes(cleanName)) found.add("unknown_event");
  if (name !== cleanName && (EVENT_NAMES as readonly string[]).includes(cleanName)) {
    found.add("event_name_variant");
  }
  const ts = event.ts;
  let tsMs = NaN;
  if (typeof ts === "number") {
    found.add("ts_epoch_ms");
    tsMs = ts;
  } else if (typeof ts === "string") {
    const offset = /[+-]\d{2}:\d{2}$/.test(ts);
    const zoned = offset || ts.endsWith("Z");
    if (offset) found.add("ts_offset");
    else if (!zoned) found.add("ts_naive");
    tsMs = Date.parse(zoned ? ts : `${ts.replace(" ", "T")}Z`);
  }
  const props = event.properties;
  if (props && typeof props === "object") {
    const p = props as Record<string, unknown>;
    if (typeof p.weight_kg === "string" || typeof p.eco_score_kg_co2e === "string") {
      found.add("number_as_string");
    }
  }
  const id = typeof event.event_id === "string" ? event.event_id : null;
  const seen = context.seenEventIds;
  const duplicate = id !== null && seen !== undefined && seen.has(id);
  if (duplicate) found.add("duplicate_delivery");
  if (id !== null && seen) seen.add(id);
  const tsDay = Number.isFinite(tsMs) ? new Date(tsMs).toISOString().slice(0, 10) : null;
  if (!duplicate && context.fileDay && tsDay && tsDay < context.fileDay) {
    found.add("late_arrival");
  }
  if (Object.keys(event).some((key) => !_EVENT_KEYS.has(key))) found.add("extra_field");
  if (!("session_id" in event) || !("platform" in event) || !("properties" in event)) {
    found.add("missing_optional");
  }
  return MESS_KINDS.filter((kind) => found.has(kind));
}

/**
 * A few raw event lines per mess kind, read from a dataset directory's uncompressed event
 * files in delivery order (each line listed once, under the first kind it still lacks
 * samples for).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/events-2026-01-01.ndjson`, "not json\n");
 * const lines = await sampleMessyLines(dir);
 * assert.deepEqual(lines.map((l) => [l.kind, l.file, l.line]), [
 *   ["malformed", "events-2026-01-01.ndjson", 1],
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function sampleMessyLines(
  datasetDir: string,
  options: SampleMessyLinesOptions = {},
): Promise<MessyLine[]> {
  const perKind = options.perKind ?? 1;
  const maxLines = options.maxLines ?? 200_000;
  const samples = new Map<string, MessyLine[]>(MESS_KINDS.map((kind) => [kind, []]));
  const seenEventIds = new Set<string>();
  const full = () => [...samples.values()].every((list) => list.length >= perKind);
  let read = 0;
  for (const path of await _eventFiles(datasetDir)) {
    if (full() || read >= maxLines) break;
    const name = basename(path);
    const fileDay = /events-(\d{4}-\d{2}-\d{2})/.exec(name)?.[1];
    const lines = (await Deno.readTextFile(path)).split("\n");
    for (let i = 0; i < lines.length && read < maxLines; i++) {
      const text = lines[i]!;
      if (text === "") continue;
      read++;
      const kinds = messKindsOf(text, { fileDay, seenEventIds });
      const kind = kinds.find((k) => samples.get(k)!.length < perKind);
      if (!kind) continue;
      const also = kinds.filter((k) => k !== kind).join(", ");
      samples.get(kind)!.push({ kind, file: name, line: i + 1, also, text });
    }
  }
  return [...samples.values()].flat();
}

const _EVENT_KEYS = new Set([
  "event_id",
  "user_id",
  "event",
  "ts",
  "session_id",
  "platform",
  "properties",
]);

/** Uncompressed `events-*.ndjson` files of a dataset directory, by name (delivery day). */
async function _eventFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && /^events-.*\.ndjson$/.test(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot sample messy lines "${dir}": directory not found`, { cause: error });
    }
    throw error;
  }
  return names.sort((a, b) => a.localeCompare(b)).map((name) => join(dir, name));
}
