/**
 * Test helper: read a generated dataset directory back from disk and repair it with rules
 * written independently of the generator (the staging rules of docs/contracts.md §1).
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import type { TruthFile } from "../../lib/generate/mod.ts";

export const CATALOGUE = new Set([
  "session_start",
  "search",
  "view_listing",
  "start_listing",
  "publish_listing",
  "message_seller",
  "complete_recycling",
]);
export const KNOWN_KEYS = new Set([
  "event_id",
  "user_id",
  "event",
  "ts",
  "session_id",
  "platform",
  "properties",
]);

/** Parse RFC 4180 CSV text into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** CSV rows as objects keyed by the header. */
export function readCsvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""])));
}

/** One line of an event file as delivered. */
export interface RawLine {
  file: string;
  /** 1-based. */
  line: number;
  /** `YYYY-MM-DD` from the file name. */
  fileDate: string;
  text: string;
  /** Parsed object, or undefined when the line is not JSON. */
  json?: Record<string, unknown>;
}

/** A repaired event (first delivery of its event_id). */
export interface CleanEvent {
  eventId: string;
  userId: string;
  event: string;
  tsMs: number;
  fileDate: string;
  raw: Record<string, unknown>;
  isOrphan: boolean;
  isUnknown: boolean;
}

export interface Dataset {
  truth: TruthFile;
  usersCsv: string;
  listingsCsv: string;
  users: Map<string, Record<string, string>>;
  listings: Record<string, string>[];
  lines: RawLine[];
  /** First delivery of each event_id, in delivery order. */
  firstDeliveries: CleanEvent[];
  /** Lines whose event_id was delivered before. */
  duplicateLines: RawLine[];
}

/** Read the (possibly gzipped) event files of a directory, in date order. */
export async function readEventFiles(dir: string): Promise<{ name: string; text: string }[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.startsWith("events-")) names.push(e.name);
  names.sort();
  const out = [];
  for (const name of names) {
    const bytes = await Deno.readFile(join(dir, name));
    const text = new TextDecoder().decode(name.endsWith(".gz") ? gunzipSync(bytes) : bytes);
    out.push({ name, text });
  }
  return out;
}

/** Parse a timestamp the way staging does: epoch ms number, ISO with Z/offset, or naive UTC. */
export function parseTs(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return NaN;
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value)) {
    return Date.parse(value.replace(" ", "T") + "Z");
  }
  return Date.parse(value);
}

export function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/[ -]/g, "_");
}

/** Read and repair a dataset directory. */
export async function readDataset(dir: string): Promise<Dataset> {
  const truth = JSON.parse(await Deno.readTextFile(join(dir, "truth.json"))) as TruthFile;
  const usersCsv = await Deno.readTextFile(join(dir, "users.csv"));
  const listingsCsv = await Deno.readTextFile(join(dir, "listings.csv"));
  const users = new Map(readCsvObjects(usersCsv).map((u) => [u.user_id!, u]));
  const listings = readCsvObjects(listingsCsv);
  const lines: RawLine[] = [];
  for (const { name, text } of await readEventFiles(dir)) {
    const fileDate = name.slice(7, 17);
    const parts = text.split("\n");
    if (parts.at(-1) === "") parts.pop();
    parts.forEach((t, i) => {
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(t);
      } catch {
        json = undefined;
      }
      lines.push({ file: name, line: i + 1, fileDate, text: t, json });
    });
  }
  const seen = new Map<string, RawLine>();
  const firstDeliveries: CleanEvent[] = [];
  const duplicateLines: RawLine[] = [];
  for (const l of lines) {
    if (!l.json) continue;
    const id = String(l.json.event_id);
    if (seen.has(id)) {
      duplicateLines.push(l);
      continue;
    }
    seen.set(id, l);
    const userId = String(l.json.user_id).trim().toUpperCase();
    const event = normaliseName(String(l.json.event));
    firstDeliveries.push({
      eventId: id,
      userId,
      event,
      tsMs: parseTs(l.json.ts),
      fileDate: l.fileDate,
      raw: l.json,
      isOrphan: !users.has(userId),
      isUnknown: !CATALOGUE.has(event),
    });
  }
  return { truth, usersCsv, listingsCsv, users, listings, lines, firstDeliveries, duplicateLines };
}

/** True events of registry users (what the planted effects are measured on). */
export function trueEvents(ds: Dataset): CleanEvent[] {
  return ds.firstDeliveries.filter((e) => !e.isOrphan && !e.isUnknown);
}

/** A fresh temporary directory removed by the returned disposer. */
export async function tempDir(prefix: string): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}
