/**
 * Writing newline-delimited JSON files for BigQuery load jobs.
 *
 * @module
 */

/**
 * Buffers NDJSON rows and writes them to a file in chunks of about a megabyte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const writer = await NdjsonWriter.create(`${dir}/rows.ndjson`);
 * writer.push({ _line: 1, text: "{}" });
 * await writer.close();
 * assert.equal(await Deno.readTextFile(`${dir}/rows.ndjson`), '{"_line":1,"text":"{}"}\n');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NdjsonWriter {
  #file: Deno.FsFile;
  #parts: string[] = [];
  #size = 0;
  #encoder = new TextEncoder();

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Create (or truncate) the file at `path`. */
  static async create(path: string): Promise<NdjsonWriter> {
    return new NdjsonWriter(await Deno.open(path, { write: true, create: true, truncate: true }));
  }

  /** Add one row (written as one line of JSON). */
  push(row: Record<string, unknown>): void {
    const line = JSON.stringify(row) + "\n";
    this.#parts.push(line);
    this.#size += line.length;
  }

  /** Write the buffered rows once they reach about a megabyte. */
  async flushIfFull(): Promise<void> {
    if (this.#size >= 1 << 20) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    let bytes = this.#encoder.encode(this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
    while (bytes.length > 0) {
      const n = await this.#file.write(bytes);
      bytes = bytes.subarray(n);
    }
  }

  /** Write what is buffered and close the file. */
  async close(): Promise<void> {
    try {
      await this.#flush();
    } finally {
      this.#file.close();
    }
  }
}
