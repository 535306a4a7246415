/**
 * Writing a finished page so that a crash or a failed write never leaves a partial file:
 * the text goes to a temporary name in the same directory, then is renamed over the target.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/**
 * Write `text` to `path` atomically: into a temporary file beside it (same directory, so the
 * rename cannot cross filesystems), then rename over `path`. If anything fails, the previous
 * file at `path` is left as it was and the temporary file is removed. Creates the directory.
 * Errors name the path: `Cannot write "path": details`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await writeTextFileAtomic(`${dir}/reports/report.html`, "<!doctype html><p>hi</p>");
 * assert.equal(await Deno.readTextFile(`${dir}/reports/report.html`), "<!doctype html><p>hi</p>");
 * assert.deepEqual([...Deno.readDirSync(`${dir}/reports`)].map((e) => e.name), ["report.html"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTextFileAtomic(
  path: string,
  text: string | ReadableStream<string>,
): Promise<void> {
  const dir = dirname(path);
  const temporary = join(
    dir,
    `.${basename(path)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(temporary, text, { createNew: true });
    await Deno.rename(temporary, path);
  } catch (err) {
    await Deno.remove(temporary).catch(() => {});
    throw new Error(`Cannot write "${path}": ${(err as Error).message}`, { cause: err });
  }
}
