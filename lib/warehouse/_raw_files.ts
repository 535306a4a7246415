/**
 * Reading raw source files, shared by the DuckDB and BigQuery loaders: the bytes (a
 * missing file is named), their SHA-256, gunzip, and the content both loaders classify:
 * a leading byte-order mark removed, and each line that is not valid UTF-8 set aside with
 * its number, so it is rejected on its own while the rest of the file loads.
 *
 * @module
 */

/** Options for {@linkcode readRawBytes}. */
export interface ReadRawBytesOptions {
  /**
   * Accept a 0-byte file (an events file with no lines); otherwise it is refused as empty.
   * @default {false}
   */
  allowEmpty?: boolean;
}

/**
 * The bytes of a raw file; throws `Cannot load "<path>": …` when it is missing (a symbolic
 * link to a missing file is named as such) or, unless `allowEmpty`, empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/users.csv`, "user_id\n");
 * assert.equal((await readRawBytes(`${dir}/users.csv`)).length, 8);
 * await Deno.writeTextFile(`${dir}/empty.csv`, "");
 * await assert.rejects(readRawBytes(`${dir}/empty.csv`), /the file is empty/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readRawBytes(
  path: string,
  options: ReadRawBytesOptions = {},
): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      const link = await Deno.lstat(path).then((info) => info.isSymlink, () => false);
      const what = link ? "it is a symbolic link to a missing file" : "file not found";
      throw new Error(`Cannot load "${path}": ${what}`, { cause: error });
    }
    throw new Error(`Cannot load "${path}": ${_message(error)}`, { cause: error });
  }
  if (bytes.length === 0 && !options.allowEmpty) {
    throw new Error(`Cannot load "${path}": the file is empty`);
  }
  return bytes;
}

/**
 * SHA-256 of some bytes, as lower-case hex (what the load manifest records).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   await sha256Hex(new TextEncoder().encode("abc")),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Decompress gzip bytes; `path` names the file in the error when they are not gzip.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const packed = new Blob(["a\nb\n"]).stream().pipeThrough(new CompressionStream("gzip"));
 * const bytes = new Uint8Array(await new Response(packed).arrayBuffer());
 * assert.equal(new TextDecoder().decode(await gunzip(bytes, "events.ndjson.gz")), "a\nb\n");
 * await assert.rejects(gunzip(new Uint8Array([1, 2, 3]), "x.gz"), /"x.gz": not a valid gzip/);
 * ```
 */
export async function gunzip(bytes: Uint8Array, path: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new Error(`Cannot load "${path}": not a valid gzip file`, { cause: error });
  }
}

/** Reason recorded for a line whose bytes are not valid UTF-8 (both loaders). */
export const INVALID_UTF8_REASON = "invalid UTF-8";

/** A line whose bytes are not valid UTF-8. */
export interface InvalidLine {
  /** 1-based line number. */
  line: number;
  /** The line decoded with U+FFFD for each invalid sequence, without its line ending. */
  text: string;
}

/** A raw file's content as the loaders classify it (see {@linkcode cleanRawBytes}). */
export interface RawContent {
  /**
   * The bytes, valid UTF-8: gunzipped, without a leading byte-order mark, and each invalid
   * line replaced by one space (its newline kept, so every other line keeps its number).
   */
  bytes: Uint8Array;
  /** The lines that were not valid UTF-8, in order: each is rejected on its own. */
  invalidLines: InvalidLine[];
}

const _BOM = [0xef, 0xbb, 0xbf];
const _CHUNK = 1 << 16;

/** Whether bytes are valid UTF-8, decoded a chunk at a time (memory stays small). */
function _isValidUtf8(bytes: Uint8Array): boolean {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  try {
    for (let at = 0; at < bytes.length; at += _CHUNK) {
      decoder.decode(bytes.subarray(at, at + _CHUNK), { stream: true });
    }
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/**
 * Make raw bytes safe to classify line by line: drop a UTF-8 byte-order mark at the start
 * (a BOM is not part of the first record), and set aside every line that is not valid
 * UTF-8, replacing it by one space so line numbers hold. Valid input is returned as is
 * (no copy).
 *
 * @example
 * ```ts
 * const { bytes, invalidLines } = cleanRawBytes(new Uint8Array([0x61, 0x0a, 0xff, 0x0a]));
 * // bytes: "a\n \n", invalidLines: [{ line: 2, text: "\uFFFD" }]
 * ```
 */
export function cleanRawBytes(bytes: Uint8Array): RawContent {
  const content = _BOM.every((b, i) => bytes[i] === b) ? bytes.subarray(_BOM.length) : bytes;
  if (_isValidUtf8(content)) return { bytes: content, invalidLines: [] };
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
  const parts: Uint8Array[] = [];
  const invalidLines: InvalidLine[] = [];
  let start = 0;
  for (let line = 1; start < content.length; line++) {
    const newline = content.indexOf(0x0a, start);
    const end = newline < 0 ? content.length : newline;
    const text = content.subarray(start, end);
    try {
      strict.decode(text);
      parts.push(text);
    } catch {
      const body = text[text.length - 1] === 0x0d ? text.subarray(0, -1) : text;
      invalidLines.push({ line, text: lossy.decode(body) });
      parts.push(new Uint8Array([0x20]));
    }
    if (newline >= 0) parts.push(new Uint8Array([0x0a]));
    start = end + 1;
  }
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return { bytes: out, invalidLines };
}

/**
 * A raw file's content from its bytes: gunzipped when the name ends in `.gz`, then
 * {@linkcode cleanRawBytes}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const packed = new Uint8Array(
 *   await new Response(
 *     new Blob(['{"a":1}\n\xff\n']).stream().pipeThrough(new CompressionStream("gzip")),
 *   ).arrayBuffer(),
 * );
 * const { bytes, invalidLines } = await rawContent("events-2026-01-01.ndjson.gz", packed);
 * assert.equal(new TextDecoder().decode(bytes).split("\n")[0], '{"a":1}');
 * assert.equal(invalidLines.length, 0); // "\xff" in a JS string is U+00FF, valid UTF-8
 * ```
 */
export async function rawContent(path: string, bytes: Uint8Array): Promise<RawContent> {
  return cleanRawBytes(path.endsWith(".gz") ? await gunzip(bytes, path) : bytes);
}

/**
 * The lines of a raw file's content as both loaders number them, each invalid UTF-8 line
 * given by its lossy text (its `invalidLines` entry says it is rejected).
 *
 * @example
 * ```ts
 * contentLines(cleanRawBytes(new TextEncoder().encode("a\nb\n"))); // ["a", "b"]
 * ```
 */
export function contentLines(content: RawContent): string[] {
  const lines = splitLines(new TextDecoder("utf-8", { ignoreBOM: true }).decode(content.bytes));
  for (const invalid of content.invalidLines) lines[invalid.line - 1] = invalid.text;
  return lines;
}

/**
 * Lines of a text as the loaders number them (line 1 first): `\r\n` ends a line as `\n`
 * does, the empty string after a final newline is not a line, and an empty text has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(splitLines("a\r\nb\n"), ["a", "b"]);
 * assert.deepEqual(splitLines("a\n\nb"), ["a", "", "b"]);
 * ```
 */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.replaceAll("\r\n", "\n").split("\n");
  if (text.endsWith("\n")) lines.pop();
  return lines;
}

/**
 * The text up to the first `\n` (all of it when there is none): a CSV file's header line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(firstLine("user_id,tier\nU1,basic\n"), "user_id,tier");
 * ```
 */
export function firstLine(text: string): string {
  const newline = text.indexOf("\n");
  return newline < 0 ? text : text.slice(0, newline);
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
