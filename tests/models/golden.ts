// Golden files for compiled SQL: compile a project for every dialect and compare each
// model and test with `<goldenDir>/<dialect>/<model>.sql` (plus `<model>.incremental.sql`,
// the merge of an incremental model) and `<goldenDir>/<dialect>/tests/<test>.sql`.
// `UPDATE_GOLDEN=1 deno test -A tests/models/` rewrites them. Reusable for the real `sql/`:
//   await assertGoldenCompiled("sql", "tests/testdata/sql_golden");
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CompileOptions, compileProject, type Project } from "../../lib/models/mod.ts";
import { type Dialect, DIALECTS } from "../../lib/warehouse/mod.ts";
import { isCi } from "../_env.ts";

/** Options for {@linkcode assertGoldenCompiled}. */
export interface GoldenOptions extends Omit<CompileOptions, "dialect"> {
  /**
   * Dialects to compare.
   * @default {["duckdb", "bigquery"]}
   */
  dialects?: readonly Dialect[];
  /**
   * Rewrite the golden files instead of comparing.
   * @default {goldenUpdateRequested()}
   */
  update?: boolean;
}

/**
 * Whether the golden files are to be rewritten: `UPDATE_GOLDEN=1`. Under CI (any truthy
 * `CI`) that is refused, so a CI run can never bless its own output.
 */
export function goldenUpdateRequested(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): boolean {
  if (env.UPDATE_GOLDEN !== "1") return false;
  if (isCi(env)) {
    throw new Error(
      "UPDATE_GOLDEN=1 is refused under CI: rewrite golden files locally and review the diff",
    );
  }
  return true;
}

/** Compiled files of a project for one dialect: relative path → SQL. */
export async function compiledFiles(
  project: string | Project,
  options: CompileOptions,
): Promise<Map<string, string>> {
  const compiled = await compileProject(project, options);
  const files = new Map<string, string>();
  for (const model of compiled.models) {
    files.set(`${model.name}.sql`, model.sql);
    if (model.incremental) files.set(`${model.name}.incremental.sql`, model.incremental.script);
  }
  for (const test of compiled.tests) files.set(`tests/${test.name}.sql`, test.sql);
  return files;
}

async function _readTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function visit(sub: string): Promise<void> {
    try {
      for await (const entry of Deno.readDir(join(root, sub))) {
        const rel = sub ? `${sub}/${entry.name}` : entry.name;
        if (entry.isDirectory) await visit(rel);
        else if (entry.name.endsWith(".sql")) {
          out.set(rel, await Deno.readTextFile(join(root, rel)));
        }
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  await visit("");
  return out;
}

/**
 * Assert that a project compiles, for every dialect, to exactly the golden files (same
 * file set, same text); with `UPDATE_GOLDEN=1` rewrite them instead.
 */
export async function assertGoldenCompiled(
  project: string | Project,
  goldenDir: string,
  options: GoldenOptions = {},
): Promise<void> {
  const update = options.update ?? goldenUpdateRequested();
  for (const dialect of options.dialects ?? DIALECTS) {
    const actual = await compiledFiles(project, { ...options, dialect });
    const dir = join(goldenDir, dialect);
    if (update) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      for (const [rel, sql] of actual) {
        await Deno.mkdir(join(dir, rel, ".."), { recursive: true });
        await Deno.writeTextFile(join(dir, rel), sql);
      }
      continue;
    }
    const expected = await _readTree(dir);
    const hint = "(run UPDATE_GOLDEN=1 deno test -A tests/models/ and review the diff)";
    assert.deepEqual(
      [...actual.keys()].sort(),
      [...expected.keys()].sort(),
      `compiled ${dialect} files differ from ${dir} ${hint}`,
    );
    for (const [rel, sql] of actual) {
      assert.equal(
        sql,
        expected.get(rel),
        `${dialect}/${rel} differs from ${join(dir, rel)} ${hint}`,
      );
    }
  }
}
