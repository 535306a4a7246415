/**
 * Reading raw source files, shared by the DuckDB and BigQuery loaders: the bytes (a
 * missing or empty file is named), their SHA-256, gunzip, strict UTF-8 text, and lines
 * numbered as both loaders number them.
 *
 * @module
 */

/**
 * The bytes of a raw file; throws `Cannot load "<path>": …` when it is missing or empty.
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
export async function readRawBytes(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot load "${path}": file not found`, { cause: error });
    }
    throw error;
  }
  if (bytes.length === 0) throw new Error(`Cannot load "${path}": the file is empty`);
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

/**
 * A raw file's text: read, gunzipped when the name ends in `.gz`, decoded as strict UTF-8
 * with a byte-order mark kept as text (the loaders decide what a BOM means).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const packed = new Blob(['{"a":1}\n']).stream().pipeThrough(new CompressionStream("gzip"));
 * await Deno.writeFile(`${dir}/events-2026-01-01.ndjson.gz`, packed);
 * assert.equal(await readRawText(`${dir}/events-2026-01-01.ndjson.gz`), '{"a":1}\n');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readRawText(path: string): Promise<string> {
  let bytes = await readRawBytes(path);
  if (path.endsWith(".gz")) bytes = await gunzip(bytes, path);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new Error(`Cannot load "${path}": the file is not valid UTF-8`, { cause: error });
  }
}

/**
 * Lines of a text as the loaders number them (line 1 first): `\r\n` ends a line as `\n`
 * does, and the empty string after a final newline is not a line.
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
