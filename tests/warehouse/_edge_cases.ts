/**
 * A small dataset of hostile input for the two loaders and the staging models: event lines
 * that stress JSON parsing and the required-field rules, ids with whitespace that is not a
 * space, non-scalar ids, and registry CSVs with the same kind of ids.
 *
 * ```ts
 * await writeEdgeDataset(dir); // events-2026-01-05.ndjson, users.csv, listings.csv
 * EDGE_EVENT_LINES[0]!.name; // "BOM before the first object"
 * ```
 *
 * @module
 */
import { join } from "node:path";

/** One event line: what it tests, and its text (without the line ending). */
export interface EdgeLine {
  /** What the line tests. */
  name: string;
  /** The line as written (the file adds `\n`, or `\r\n` when `crlf`). */
  text: string;
  /** End the line with CR LF. */
  crlf?: boolean;
}

const TS = '"ts":"2026-01-05T10:00:00Z"';
const ok = (fields: string) =>
  `{"event_id":"E1","user_id":"U000001","event":"search",${TS}${fields}}`;

/** The lines of `events-2026-01-05.ndjson`, in file order (line n is index n-1). */
export const EDGE_EVENT_LINES: readonly EdgeLine[] = [
  { name: "BOM before the first object", text: `\uFEFF${ok("")}` },
  {
    name: "a clean event",
    text: ok(',"session_id":"S1","platform":"web"').replace('"E1"', '"E2"'),
  },
  { name: "CR LF line ending", text: ok(',"platform":"ios"').replace('"E1"', '"E3"'), crlf: true },
  {
    name: "event_id is JSON null",
    text: `{"event_id":null,"user_id":"U000001","event":"search",${TS}}`,
  },
  {
    name: "user_id is JSON null",
    text: `{"event_id":"E5","user_id":null,"event":"search",${TS}}`,
  },
  {
    name: "ts is JSON null",
    text: `{"event_id":"E6","user_id":"U000001","event":"search","ts":null}`,
  },
  { name: "event_id missing", text: `{"user_id":"U000001","event":"search",${TS}}` },
  { name: "NaN", text: ok(',"properties":{"weight_kg":NaN}').replace('"E1"', '"E8"') },
  { name: "Infinity", text: ok(',"properties":{"weight_kg":-Infinity}').replace('"E1"', '"E9"') },
  { name: "trailing comma in an object", text: ok(",").replace('"E1"', '"E10"') },
  {
    name: "trailing comma in an array",
    text: ok(',"tags":[1,2,]').replace('"E1"', '"E11"'),
  },
  { name: "number out of double range", text: ok(',"n":1e400').replace('"E1"', '"E12"') },
  {
    name: "integer beyond int64",
    text: ok(',"properties":{"weight_kg":12345678901234567890}').replace('"E1"', '"E13"'),
  },
  { name: "tab before the object", text: `\t${ok("").replace('"E1"', '"E14"')}` },
  {
    name: "tab and newline around ids",
    text: `{"event_id":"\\tE15\\n","user_id":"\\tu000002\\r\\n","event":"\\tsearch\\n",${TS}}`,
  },
  {
    name: "no-break and ideographic spaces around ids",
    text: `{"event_id":"\\u00a0E16","user_id":"\\u3000U000003\\u00a0","event":"search",${TS}}`,
  },
  {
    name: "event_id is an object",
    text: `{"event_id":{"id":"E17"},"user_id":"U000001","event":"search",${TS}}`,
  },
  {
    name: "user_id is an array",
    text: `{"event_id":"E18","user_id":["U000001"],"event":"search",${TS}}`,
  },
  {
    name: "event_id is a number, user_id a boolean",
    text: `{"event_id":19,"user_id":true,"event":"search",${TS}}`,
  },
  {
    name: "properties.listing_id is an object",
    text: ok(',"properties":{"listing_id":{"id":"L1"},"weight_kg":"2.50"}').replace(
      '"E1"',
      '"E20"',
    ),
  },
  {
    name: "numbers as text and as numbers",
    text: ok(',"properties":{"weight_kg":1.0,"eco_score_kg_co2e":"1e2"}').replace('"E1"', '"E21"'),
  },
  {
    name: "duplicate key (first wins in both parsers)",
    text: `{"event_id":"E22","event_id":"E22b","user_id":"U000001","event":"search",${TS}}`,
  },
  { name: "not an object: array", text: "[1,2]" },
  { name: "not an object: string", text: '"E24"' },
  { name: "not an object: null", text: "null" },
  { name: "empty line", text: "" },
  { name: "blank line (spaces and a tab)", text: "  \t " },
  { name: "truncated object", text: ok("").slice(0, 30) },
  { name: "unescaped tab inside a string", text: ok("").replace('"E1"', '"E\t29"') },
  { name: "lone surrogate escape", text: ok("").replace('"E1"', '"\\ud800"') },
  { name: "text after the object", text: `${ok("").replace('"E1"', '"E31"')} x` },
  {
    name: "timestamp as epoch milliseconds",
    text: `{"event_id":"E32","user_id":"U000001","event":"search","ts":1767607200000}`,
  },
  {
    name: "timestamp with an offset, naive and junk",
    text:
      `{"event_id":"E33","user_id":"U000001","event":"search","ts":"2026-01-05T12:00:00.5+02:00"}`,
  },
  {
    name: "event name with dashes, caps and spaces",
    text: `{"event_id":"E34","user_id":"U000001","event":" View-Listing ",${TS}}`,
  },
  {
    name: "unknown event name and a junk timestamp",
    text: `{"event_id":"E36","user_id":"U000001","event":"teleport","ts":"yesterday"}`,
  },
  {
    name: "junk timestamp",
    text: `{"event_id":"E37","user_id":"U000003","event":"search","ts":"2026-13-45T99:00:00Z"}`,
  },
  {
    name: "same event id again (duplicate delivery)",
    text: ok(',"session_id":"S1"').replace('"E1"', '"E2"'),
  },
];

/** `users.csv` with ids padded by tabs and no-break spaces. */
export const EDGE_USERS_CSV = [
  "user_id,full_name,email,company,tier,region,signup_at",
  "U000001,Ada Lovelace,ada@example.org,,Pro,EMEA,2026-01-01T09:00:00Z",
  "\tU000002\t,Grace Hopper, GRACE@example.org ,Navy,Basic,NA,2026-01-02 10:00:00",
  "\u00a0U000003,Alan Turing,alan@example.org,,Business,emea ,1767225600000",
  "U000004,Bad Time,b@example.org,,Basic,APAC,yesterday",
].join("\n") + "\n";

/** `listings.csv` with the same mess on ids and numbers. */
export const EDGE_LISTINGS_CSV = [
  "listing_id,user_id,title,category,weight_kg,eco_score_kg_co2e,region,created_at",
  "L0000001,U000001,Old laptop,Electronics,2.5,10,EMEA,2026-01-03T08:00:00Z",
  "l0000002 ,\tU000002,Copper,Metals,1_000,NaN,NA,2026-01-04T08:00:00+01:00",
  "L0000003,U000003,Cells,Batteries,1e400,0x10,APAC,2026-01-04 08:00:00",
  "L0000004,U000001,Scrap,Industrial, 12.5 ,inf,EMEA,2026-01-04T08:00:00.123456Z",
].join("\n") + "\n";

/** The event file's name (its date is the delivery date staging reads). */
export const EDGE_EVENTS_FILE = "events-2026-01-05.ndjson";

/** The event file's text. */
export function edgeEventsText(): string {
  return EDGE_EVENT_LINES.map((line) => line.text + (line.crlf ? "\r\n" : "\n")).join("");
}

/** Write the edge-case dataset (events, users, listings) into `dir`. */
export async function writeEdgeDataset(dir: string): Promise<void> {
  await Deno.writeTextFile(join(dir, EDGE_EVENTS_FILE), edgeEventsText());
  await Deno.writeTextFile(join(dir, "users.csv"), EDGE_USERS_CSV);
  await Deno.writeTextFile(join(dir, "listings.csv"), EDGE_LISTINGS_CSV);
}
