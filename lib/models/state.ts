/**
 * Which models are up to date. Every model built gets a *version*: a hash of its compiled
 * SQL, the state of the raw tables it reads (from the load manifest) and its parents'
 * versions. A table or view model whose version equals the one recorded at its last build,
 * and whose relation still exists, holds exactly what a rebuild would give, so
 * {@linkcode runProject} skips it. An incremental model's version changes whenever it merges
 * rows (it depends on its history, not only on its inputs) and stays when a merge brings
 * nothing, so children of an unchanged incremental model may be skipped too.
 *
 * A raw table's state is its manifest rows (count, rows, rejected lines, the latest
 * `loaded_at`) and its row count: loading, reloading or pruning a file changes it, and so
 * do rows inserted or deleted by hand. A source the manifest does not cover (loaded by some
 * other tool) has no known state: models reading it always build. A raw row edited in place
 * by hand is not seen: build with `--full-refresh` after such an edit.
 *
 * The versions live in `audit.model_state`. A run first deletes the rows of the models it
 * selected and writes them back at its end, so a run that dies midway leaves those models to
 * be built next time.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { LOAD_MANIFEST_RELATION, rawRelations } from "../warehouse/raw_tables.ts";
import type { Relation, Warehouse } from "../warehouse/types.ts";
import {
  type RelationNaming,
  renderRelation,
  renderSchema,
  sqlLiteral,
  sqlType,
} from "./macros.ts";
import type { Project } from "./project.ts";

/** Where model versions are kept. */
export const MODEL_STATE_RELATION: Relation = { schema: "audit", name: "model_state" };

/** What a model's version is computed from. */
export interface VersionInputs {
  /** The compiled SQL (the full build's select). */
  sql: string;
  /** State of each source it reads, keyed `schema.table`; `undefined` when unknown. */
  sources: Record<string, string | undefined>;
  /** Version of each model it refs. */
  parents: Record<string, string>;
}

/**
 * The version of a model built from `inputs`, or `undefined` when a source's state is
 * unknown (such a model is always built).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const inputs = { sql: "select 1", sources: { "raw.users": "3|3|0|2026-01-01" }, parents: {} };
 * const version = modelVersion(inputs)!;
 * assert.equal(modelVersion({ ...inputs }), version); // same inputs, same version
 * assert.notEqual(modelVersion({ ...inputs, sql: "select 2" }), version);
 * assert.notEqual(modelVersion({ ...inputs, parents: { stg_users: "v2" } }), version);
 * assert.equal(modelVersion({ ...inputs, sources: { "raw.users": undefined } }), undefined);
 * ```
 */
export function modelVersion(inputs: VersionInputs): string | undefined {
  const sources = Object.entries(inputs.sources).sort(([a], [b]) => a.localeCompare(b));
  if (sources.some(([, state]) => state === undefined)) return undefined;
  const parents = Object.entries(inputs.parents).sort(([a], [b]) => a.localeCompare(b));
  return createHash("sha256")
    .update(JSON.stringify([inputs.sql, sources, parents]))
    .digest("hex");
}

/** The versions recorded in the warehouse, and the raw tables' state now. */
export class ModelStates {
  /** Version of each model at its last build (as read at the start of the run). */
  readonly recorded: ReadonlyMap<string, string>;
  /** State of each raw table, keyed `schema.table` (rows and rejected tables alike). */
  readonly sources: ReadonlyMap<string, string>;
  /** Versions of this run, written back by {@linkcode ModelStates.save}. */
  readonly current = new Map<string, string>();
  private readonly selected: ReadonlySet<string>;

  private constructor(
    recorded: Map<string, string>,
    sources: Map<string, string>,
    selected: readonly string[],
  ) {
    this.recorded = recorded;
    this.sources = sources;
    this.selected = new Set(selected);
  }

  /**
   * Read the recorded versions and the raw tables' state, then forget the versions of
   * `selected` (they are written back by {@linkcode ModelStates.save} at the end of the run).
   */
  static async begin(
    warehouse: Warehouse,
    naming: RelationNaming,
    selected: readonly string[],
  ): Promise<ModelStates> {
    const dialect = warehouse.dialect;
    const table = renderRelation(MODEL_STATE_RELATION, dialect, naming);
    const recorded = new Map<string, string>();
    if (await warehouse.exists(MODEL_STATE_RELATION)) {
      const rows = await warehouse.query<{ model: string; version: string }>(
        `select model, version from ${table}`,
      );
      for (const row of rows) recorded.set(row.model, row.version);
      const forget = selected.filter((name) => recorded.has(name));
      if (forget.length > 0) {
        const names = forget.map((name) => sqlLiteral(name, dialect)).join(", ");
        await warehouse.execute(`delete from ${table} where model in (${names})`);
      }
    }
    const sources = new Map<string, string>();
    if (await warehouse.exists(LOAD_MANIFEST_RELATION)) {
      const manifest = renderRelation(LOAD_MANIFEST_RELATION, dialect, naming);
      const rows = await warehouse.query<{
        table_name: string;
        files: number;
        rows: number;
        rejected: number;
        loaded_at: unknown;
      }>(
        `select table_name, count(*) as files, sum(n_rows) as rows,
                sum(n_rejected) as rejected, max(loaded_at) as loaded_at
         from ${manifest} group by table_name`,
      );
      // Plus each table's row count: rows written or deleted by hand, not by the loader,
      // change it too.
      const tables = rows.flatMap((row) => {
        const { rows: kept, rejected } = rawRelations(row.table_name);
        return [kept, rejected].map((relation) => ({ row, relation }));
      });
      const counts = tables.length === 0 ? [] : await warehouse.query<{ i: number; n: number }>(
        tables.map(({ relation }, i) =>
          `select ${i} as i, count(*) as n from ${renderRelation(relation, dialect, naming)}`
        ).join(" union all "),
      ).catch(() => []);
      for (const { i, n } of counts) {
        const { row, relation } = tables[Number(i)]!;
        const loadedAt = row.loaded_at instanceof Date
          ? row.loaded_at.toISOString()
          : String(row.loaded_at);
        sources.set(
          `${relation.schema}.${relation.name}`,
          [row.files, row.rows, row.rejected, loadedAt, n].join("|"),
        );
      }
    }
    return new ModelStates(recorded, sources, selected);
  }

  /** What `name`'s version is computed from in this run (parents' versions of this run). */
  inputs(project: Project, name: string, sql: string): VersionInputs {
    const model = project.models.get(name)!;
    const sources: Record<string, string | undefined> = {};
    for (const key of model.sources) {
      const source = project.sources.get(key);
      const table = source ? `${source.schema}.${source.identifier}` : key;
      sources[table] = this.sources.get(table);
    }
    const parents: Record<string, string> = {};
    for (const parent of model.refs) {
      // A parent outside the selection keeps its recorded version; one selected but without
      // a version this run (failed, or its inputs unknown) makes this version unique to the
      // run, so nothing downstream is skipped on its account.
      const version = this.selected.has(parent)
        ? this.current.get(parent)
        : this.recorded.get(parent);
      parents[parent] = version ?? `unknown:${crypto.randomUUID()}`;
    }
    return { sql, sources, parents };
  }

  /**
   * Record the version of `name` after it was built this run: `version` for a table, a view
   * or an incremental model built in full; its last version when an incremental merge brought
   * no rows (the table did not change); a version unique to `runId` when a merge brought some.
   */
  built(
    name: string,
    version: string | undefined,
    outcome: { incremental: boolean; batchRows?: number; runId: string },
  ): void {
    if (version === undefined) return;
    if (!outcome.incremental || outcome.batchRows === undefined) {
      this.current.set(name, version);
      return;
    }
    const last = this.recorded.get(name);
    if (outcome.batchRows === 0 && last !== undefined) {
      this.current.set(name, last);
      return;
    }
    this.current.set(
      name,
      createHash("sha256").update(JSON.stringify([version, outcome.runId])).digest("hex"),
    );
  }

  /** Write this run's versions of the models that have one. */
  async save(warehouse: Warehouse, naming: RelationNaming): Promise<void> {
    if (this.current.size === 0) return;
    const dialect = warehouse.dialect;
    const table = renderRelation(MODEL_STATE_RELATION, dialect, naming);
    const text = sqlType("varchar", dialect);
    await warehouse.execute(
      `create schema if not exists ${renderSchema(MODEL_STATE_RELATION.schema, dialect, naming)}`,
    );
    await warehouse.execute(`create table if not exists ${table} (model ${text}, version ${text})`);
    const names = [...this.current.keys()].map((name) => sqlLiteral(name, dialect)).join(", ");
    const values = [...this.current].map(([model, version]) =>
      `(${sqlLiteral(model, dialect)}, ${sqlLiteral(version, dialect)})`
    ).join(", ");
    await warehouse.execute(`delete from ${table} where model in (${names})`);
    await warehouse.execute(`insert into ${table} (model, version) values ${values}`);
  }
}
