/**
 * An RFC 4180 CSV record reader for the loaders that split CSV in JavaScript (BigQuery's):
 * records with their first line number, fields or the reason a record is refused.
 *
 * @module
 */

/** A CSV record: its first physical line, its text, and its fields or why it was refused. */
export interface CsvRecord {
  /** 1-based line number where the record starts. */
  line: number;
  /** The record as written (several lines for quoted line breaks), without the newline. */
  text: string;
  /** Field values (empty → null), when the record is well-formed. */
  fields?: (string | null)[];
  /** Why the record is rejected. */
  reason?: string;
}

/**
 * Split CSV text into records (RFC 4180: `"` quotes, `""` escapes a quote, quoted fields may
 * span lines). Empty fields, quoted or not, become null, as DuckDB's reader makes them.
 * Blank lines are skipped. A record with the wrong number of fields is refused with
 * DuckDB's wording (`Expected Number of Columns: 7 Found: 8`); an unterminated quote
 * refuses only its own line, and parsing resumes on the next one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseCsvRecords('a,"b ""c"""\n', 2, 2), [
 *   { line: 2, text: 'a,"b ""c"""', fields: ["a", 'b "c"'] },
 * ]);
 * assert.equal(parseCsvRecords("a,b,c\n", 2)[0]?.reason, "Expected Number of Columns: 2 Found: 3");
 * ```
 */
export function parseCsvRecords(text: string, expected: number, firstLine = 1): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = firstLine;
  while (i < n) {
    const start = i;
    const startLine = line;
    const fields: (string | null)[] = [];
    let field = "";
    let quoted = false;
    let inQuotes = false;
    let afterQuote = false;
    let problem: string | undefined;
    let end = n;
    let unterminated = false;
    for (;;) {
      if (i >= n) {
        unterminated = inQuotes;
        break;
      }
      const c = text[i]!;
      if (inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            inQuotes = false;
            afterQuote = true;
            i += 1;
          }
          continue;
        }
        if (c === "\n") line += 1;
        field += c;
        i += 1;
        continue;
      }
      if (c === ",") {
        fields.push(field === "" ? null : field);
        field = "";
        quoted = false;
        afterQuote = false;
        i += 1;
        continue;
      }
      if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
        end = i;
        i += c === "\r" ? 2 : 1;
        line += 1;
        break;
      }
      if (c === '"' && field === "" && !quoted) {
        inQuotes = true;
        quoted = true;
        i += 1;
        continue;
      }
      if (afterQuote) problem ??= "Unexpected character after a closing quote";
      field += c;
      i += 1;
    }
    if (unterminated) {
      // Our sources hold one record per line: refuse the line the quote opened on only.
      const lineEnd = text.indexOf("\n", start);
      const stop = lineEnd < 0 ? n : lineEnd;
      records.push({
        line: startLine,
        text: text.slice(start, stop).replace(/\r$/, ""),
        reason: "Value with unterminated quote",
      });
      i = lineEnd < 0 ? n : lineEnd + 1;
      line = startLine + 1;
      continue;
    }
    const recordText = text.slice(start, end);
    if (recordText === "" || recordText === "\r") continue;
    fields.push(field === "" ? null : field);
    if (!problem && fields.length !== expected) {
      problem = `Expected Number of Columns: ${expected} Found: ${fields.length}`;
    }
    records.push(
      problem
        ? { line: startLine, text: recordText, reason: problem }
        : { line: startLine, text: recordText, fields },
    );
  }
  return records;
}
