/**
 * What both loaders know about a source file before and after loading it: its name,
 * target table, size and checksum; whether the load manifest has seen it (with the same
 * bytes or others); and the `LoadFileResult` reported for it.
 *
 * @module
 */
import { basename } from "node:path";
import { readRawBytes, sha256Hex } from "./_raw_files.ts";
import { rawTableName } from "./raw_tables.ts";
import type { LoadFileResult, RawFile } from "./types.ts";

/** A source file identified for loading. */
export interface SourceFile {
  /** The file as asked for. */
  file: RawFile;
  /** File name as recorded in `_source_file` and the manifest. */
  sourceFile: string;
  /** Manifest table name, `raw.<kind>`. */
  table: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the bytes (hex). */
  sha256: string;
  /** Whether the manifest has an earlier load of this file (any bytes). */
  previouslyLoaded: boolean;
  /** Whether the manifest has a load of these very bytes (nothing to do). */
  unchanged: boolean;
}

/** Rows written to a raw table and to its rejected table. */
export interface LoadCounts {
  /** Rows added to `raw.<kind>`. */
  rows: number;
  /** Rows added to `raw.<kind>_rejected`. */
  rejected: number;
}

/**
 * Read and checksum a raw file; throws naming it when it is missing, or empty for a CSV
 * source (an empty events file is zero lines). `readFrom` reads the bytes from another path
 * (a hard link to the file); names and messages stay the file's. The manifest status starts
 * as "never loaded" (see {@linkcode ManifestHashes.mark}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/users.csv`, "user_id\n");
 * const { source, bytes } = await identifySource({ path: `${dir}/users.csv`, kind: "users" });
 * assert.equal(source.table, "raw.users");
 * assert.equal(source.sourceFile, "users.csv");
 * assert.equal(bytes.length, source.bytes);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function identifySource(
  file: RawFile,
  options: { readFrom?: string } = {},
): Promise<{ source: SourceFile; bytes: Uint8Array }> {
  const bytes = options.readFrom === undefined
    ? await readRawBytes(file.path, { allowEmpty: file.kind === "events" })
    : await Deno.readFile(options.readFrom);
  if (bytes.length === 0 && file.kind !== "events") {
    throw new Error(`Cannot load "${file.path}": the file is empty`);
  }
  return {
    bytes,
    source: {
      file,
      sourceFile: basename(file.path),
      table: rawTableName(file.kind),
      bytes: bytes.length,
      sha256: await sha256Hex(bytes),
      previouslyLoaded: false,
      unchanged: false,
    },
  };
}

/** The checksums the load manifest holds, by table and file name. */
export class ManifestHashes {
  #hashes = new Map<string, string[]>();

  /** Record that `sha256` of `sourceFile` was loaded into `table`. */
  add(table: string, sourceFile: string, sha256: string): void {
    const key = `${table}\n${sourceFile}`;
    this.#hashes.set(key, [...(this.#hashes.get(key) ?? []), sha256]);
  }

  /** Set `previouslyLoaded` and `unchanged` of a source from the manifest. */
  mark(source: SourceFile): void {
    const hashes = this.#hashes.get(`${source.table}\n${source.sourceFile}`) ?? [];
    source.previouslyLoaded = hashes.length > 0;
    source.unchanged = hashes.includes(source.sha256);
  }
}

/**
 * The result reported for a source file; `kept` when its new rows were refused and the
 * previous ones kept (see {@linkcode allRowsMalformed}), with the warning.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const source = {
 *   file: { path: "data/raw/users.csv", kind: "users" as const },
 *   sourceFile: "users.csv",
 *   table: "raw.users",
 *   bytes: 512,
 *   sha256: "ba7816bf",
 *   previouslyLoaded: true,
 *   unchanged: false,
 * };
 * const result = loadResult(source, { rows: 10, rejected: 1 }, 250);
 * assert.equal(result.status, "reloaded"); // loaded before, with other bytes
 * assert.equal(result.seconds, 0.25);
 * ```
 */
export function loadResult(
  source: SourceFile,
  counts: LoadCounts,
  ms: number,
  outcome: { kept?: boolean; warning?: string } = {},
): LoadFileResult {
  const status = outcome.kept
    ? "kept"
    : source.unchanged
    ? "unchanged"
    : source.previouslyLoaded
    ? "reloaded"
    : "loaded";
  return {
    sourceFile: source.sourceFile,
    table: source.table,
    rows: counts.rows,
    rejected: counts.rejected,
    bytes: source.bytes,
    sha256: source.sha256,
    status,
    seconds: ms / 1000,
    ...(outcome.warning ? { warning: outcome.warning } : {}),
  };
}

/**
 * The rule both loaders follow for a CSV source whose every record is malformed (a wrong
 * delimiter, a truncated export): loading it would replace the registry with nothing. When
 * it was loaded before, the new bytes are refused and the previous rows kept (`keep`);
 * either way the load warns. `undefined` when at least one record is good (or none exist).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const source: SourceFile = {
 *   file: { path: "data/raw/users.csv", kind: "users" },
 *   sourceFile: "users.csv",
 *   table: "raw.users",
 *   bytes: 40,
 *   sha256: "0".repeat(64),
 *   previouslyLoaded: true,
 *   unchanged: false,
 * };
 * const verdict = allRowsMalformed(source, { rows: 0, rejected: 2 }, 5);
 * assert.equal(verdict?.keep, true);
 * assert.match(verdict?.warning ?? "", /^users\.csv: all 2 rows are malformed; the 5 rows/);
 * assert.equal(allRowsMalformed(source, { rows: 1, rejected: 2 }, 5), undefined);
 * ```
 */
export function allRowsMalformed(
  source: SourceFile,
  counts: LoadCounts,
  previousRows: number,
): { keep: boolean; warning: string } | undefined {
  if (source.file.kind === "events" || counts.rows > 0 || counts.rejected === 0) return undefined;
  const what = `${source.sourceFile}: all ${counts.rejected} rows are malformed`;
  if (source.previouslyLoaded) {
    return {
      keep: true,
      warning: `${what}; the ${previousRows} rows loaded before are kept (fix the file and ` +
        `load again)`,
    };
  }
  return { keep: false, warning: `${what}; they are in ${source.table}_rejected` };
}
