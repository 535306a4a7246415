/**
 * The model DAG: build order, cycle detection and dbt-style selection (`a+`, `+b`).
 *
 * @module
 */
import { suggest } from "./_suggest.ts";

/** Thrown when models reference each other in a loop. */
export class CycleError extends Error {
  /** Models on the cycle, in data-flow order, first repeated at the end. */
  readonly cycle: string[];
  constructor(cycle: string[]) {
    super(`Cannot build models: cycle ${cycle.join(" -> ")}`);
    this.name = "CycleError";
    this.cycle = cycle;
  }
}

/**
 * A cycle in the graph (data-flow order: each model is referenced by the next), or
 * `undefined`. `parents` maps each node to the nodes it depends on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(findCycle(new Map([["a", ["b"]], ["b", ["a"]]])), ["a", "b", "a"]);
 * assert.equal(findCycle(new Map([["b", ["a"]], ["a", []]])), undefined);
 * ```
 */
export function findCycle(parents: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  function visit(node: string): string[] | undefined {
    state.set(node, "visiting");
    stack.push(node);
    for (const parent of [...(parents.get(node) ?? [])].sort()) {
      if (state.get(parent) === "visiting") {
        // The stack walks downstream-to-upstream; report it upstream first.
        const loop = stack.slice(stack.indexOf(parent)).reverse();
        return [...loop, loop[0]!];
      }
      if (!state.has(parent)) {
        const found = visit(parent);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  }
  for (const node of [...parents.keys()].sort()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return _rotate(found);
    }
  }
  return undefined;
}

// Start the reported cycle at its alphabetically first model so messages are stable.
function _rotate(cycle: string[]): string[] {
  const ring = cycle.slice(0, -1);
  const first = ring.indexOf([...ring].sort()[0]!);
  const rotated = [...ring.slice(first), ...ring.slice(0, first)];
  return [...rotated, rotated[0]!];
}

/**
 * Build order: a node comes after all its parents; nodes are grouped by depth (longest path
 * from a root), then sorted by name, so independent staging models come before marts.
 * Throws {@linkcode CycleError} naming the models in a cycle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   levelOrder(new Map([["fct", ["stg_b", "stg_a"]], ["stg_a", []], ["stg_b", []]])),
 *   ["stg_a", "stg_b", "fct"],
 * );
 * ```
 */
export function levelOrder(parents: Map<string, string[]>): string[] {
  const cycle = findCycle(parents);
  if (cycle) throw new CycleError(cycle);
  const depth = new Map<string, number>();
  function depthOf(node: string): number {
    const known = depth.get(node);
    if (known !== undefined) return known;
    const ps = parents.get(node) ?? [];
    const d = ps.length === 0 ? 0 : 1 + Math.max(...ps.map(depthOf));
    depth.set(node, d);
    return d;
  }
  return [...parents.keys()].sort((a, b) => depthOf(a) - depthOf(b) || a.localeCompare(b));
}

/**
 * All nodes upstream of `node` (not including it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(ancestors(new Map([["b", ["a"]], ["c", ["b"]]]), "c"), new Set(["b", "a"]));
 * ```
 */
export function ancestors(parents: Map<string, string[]>, node: string): Set<string> {
  return _reach(parents, node);
}

/**
 * All nodes downstream of `node` (not including it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(descendants(new Map([["a", ["b"]], ["b", ["c"]]]), "a"), new Set(["b", "c"]));
 * ```
 */
export function descendants(children: Map<string, string[]>, node: string): Set<string> {
  return _reach(children, node);
}

function _reach(edges: Map<string, string[]>, start: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(edges.get(start) ?? [])];
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(edges.get(next) ?? []));
  }
  return seen;
}

/** The graph parts {@linkcode selectModels} needs (a `Project` has them). */
export interface ModelGraph {
  /** Names in build order. */
  order: string[];
  /** Direct parents of each model. */
  parents: Map<string, string[]>;
  /** Direct children of each model. */
  children: Map<string, string[]>;
}

/**
 * Models chosen by a dbt-style selector, in build order. Terms are separated by commas or
 * spaces and their results united: `name` (the model), `name+` (and everything
 * downstream), `+name` (and everything upstream), `+name+` (both). An empty selector or
 * `*` selects everything. Unknown names throw a `RangeError` naming them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadProject } from "./project.ts";
 *
 * const project = await loadProject("sql");
 * assert.deepEqual(selectModels(project, "+fct_events, dim_users"), [
 *   "base_events",
 *   "stg_users",
 *   "dim_users",
 *   "stg_events",
 *   "fct_events",
 * ]);
 * assert.ok(selectModels(project, "stg_events+").includes("mart_daily_activity"));
 * assert.throws(() => selectModels(project, "fct_event"), RangeError);
 * ```
 */
export function selectModels(graph: ModelGraph, selector: string | undefined): string[] {
  const terms = (selector ?? "").split(/[\s,]+/).filter(Boolean);
  if (terms.length === 0 || terms.includes("*")) return [...graph.order];
  const chosen = new Set<string>();
  for (const term of terms) {
    const match = /^(\+?)([^+]+)(\+?)$/.exec(term);
    if (!match) {
      throw new RangeError(`Cannot select models: "${term}" is not name, name+, +name or +name+`);
    }
    const [, up, name, down] = match as unknown as [string, string, string, string];
    if (!graph.parents.has(name)) {
      throw new RangeError(
        `Cannot select models: unknown model "${name}" in "${selector}"${
          suggest(name, graph.order)
        }`,
      );
    }
    chosen.add(name);
    if (up) { for (const node of ancestors(graph.parents, name)) chosen.add(node); }
    if (down) { for (const node of descendants(graph.children, name)) chosen.add(node); }
  }
  return graph.order.filter((name) => chosen.has(name));
}
