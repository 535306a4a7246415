// Jinja rendering through nunjucks: one environment per dialect with the dialect macros as
// globals, per-template hooks (ref, source, config, this) in the context, and errors mapped
// to `file:line: message`.
// @ts-types="@types/nunjucks"
import nunjucks from "nunjucks";
import type { Dialect } from "../warehouse/types.ts";
import { dialectMacros, MACRO_NAMES } from "./macros.ts";

/** A user macro file (`<models dir>/macros/*.sql`) and the macros it defines. */
export interface MacroFile {
  /** Name the loader knows it by, e.g. `macros/cents.sql`. */
  name: string;
  /** Template text. */
  source: string;
  /** Macro names defined with `{% macro name(...) %}`. */
  macros: string[];
}

/** Per-template functions and values. */
export interface RenderHooks {
  ref(name: string): string;
  source(sourceName: string, tableName: string): string;
  config(options: Record<string, unknown>): void;
  this?: unknown;
  target: { type: Dialect; name: string };
  /** What `is_incremental()` answers: an incremental model merging into its table. */
  incremental?: boolean;
  /**
   * `incremental_watermark(column)`: the SQL of the newest value of `column` already in the
   * model's table, less its lookback; absent outside incremental models.
   */
  watermark?(column: string): string;
}

/** Thrown for any template problem; the message starts with `file:line:`. */
export class TemplateRenderError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TemplateRenderError";
  }
}

const KEYWORDS = "__keywords";

/** Split nunjucks call arguments into positional ones and keyword ones (`a=1`). */
export function splitArgs(
  args: unknown[],
): { positional: unknown[]; keywords: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (last && typeof last === "object" && (last as Record<string, unknown>)[KEYWORDS]) {
    const { [KEYWORDS]: _, ...keywords } = last as Record<string, unknown>;
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}

/** Scan a macro file for `{% macro name(` definitions. */
export function macroNamesIn(source: string): string[] {
  return [...source.matchAll(/\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => m[1]!);
}

/** A renderer for one dialect. */
export class Renderer {
  readonly dialect: Dialect;
  #env: nunjucks.Environment;
  #prefix: string;
  #failure: unknown = undefined;

  constructor(dialect: Dialect, macroFiles: MacroFile[] = []) {
    this.dialect = dialect;
    const files = new Map(macroFiles.map((file) => [file.name, file.source]));
    const loader = {
      getSource(name: string) {
        const src = files.get(name);
        if (src === undefined) throw new Error(`no macro file "${name}"`);
        return { src, path: name, noCache: false };
      },
    };
    this.#env = new nunjucks.Environment(loader as unknown as nunjucks.ILoader, {
      autoescape: false,
      throwOnUndefined: true,
      trimBlocks: true,
      lstripBlocks: true,
    });
    for (const [name, fn] of Object.entries(dialectMacros(dialect))) {
      this.#env.addGlobal(name, (...args: unknown[]) =>
        this.#guard(() => {
          const { positional, keywords } = splitArgs(args);
          if (Object.keys(keywords).length > 0) {
            throw new TypeError(`${name}() takes positional arguments only`);
          }
          return fn(
            ...positional.map((arg) => (arg === undefined ? undefined : String(arg))) as string[],
          );
        }));
    }
    // Imports sit on the template's first line, so reported line numbers stay true.
    this.#prefix = macroFiles
      .filter((file) => file.macros.length > 0)
      .map((file) => `{% from "${file.name}" import ${file.macros.join(", ")} with context %}`)
      .join("");
  }

  /** Run `fn`, remembering what it threw so the error reaches the user unwrapped. */
  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      this.#failure = error;
      throw error;
    }
  }

  /**
   * Render `source` (from file `path`) with the given hooks; errors become
   * `TemplateRenderError("path:line: message")`.
   */
  render(source: string, path: string, hooks: RenderHooks): string {
    let template: nunjucks.Template;
    try {
      template = new nunjucks.Template(this.#prefix + source, this.#env, path, true);
    } catch (error) {
      throw _mapError(error, path, "parse", undefined);
    }
    const context = {
      ref: (...args: unknown[]) =>
        this.#guard(() => hooks.ref(..._strings("ref", args, 1) as [string])),
      source: (...args: unknown[]) =>
        this.#guard(() => hooks.source(..._strings("source", args, 2) as [string, string])),
      config: (...args: unknown[]) =>
        this.#guard(() => {
          const { positional, keywords } = splitArgs(args);
          const options = positional.length === 1 && typeof positional[0] === "object"
            ? { ...(positional[0] as Record<string, unknown>), ...keywords }
            : keywords;
          if (
            positional.length > 1 || (positional.length === 1 && typeof positional[0] !== "object")
          ) {
            throw new TypeError(
              "config() takes keyword arguments, e.g. config(materialized='table')",
            );
          }
          hooks.config(options);
          return "";
        }),
      this: hooks.this,
      target: hooks.target,
      is_incremental: () => hooks.incremental === true,
      incremental_watermark: (...args: unknown[]) =>
        this.#guard(() => {
          const [column] = _strings("incremental_watermark", args, 1) as [string];
          if (!hooks.watermark || hooks.incremental !== true) {
            throw new TypeError(
              "incremental_watermark() belongs inside {% if is_incremental() %} of an incremental model",
            );
          }
          return hooks.watermark(column);
        }),
    };
    this.#failure = undefined;
    try {
      return template.render(context);
    } catch (error) {
      throw _mapError(error, path, "render", this.#failure);
    } finally {
      this.#failure = undefined;
    }
  }
}

function _strings(macro: string, args: unknown[], count: number): string[] {
  const { positional, keywords } = splitArgs(args);
  if (Object.keys(keywords).length > 0 || positional.length !== count) {
    throw new TypeError(`${macro}() takes ${count} quoted name${count > 1 ? "s" : ""}`);
  }
  return positional.map((arg) => String(arg));
}

// nunjucks numbers lines from 1 in errors it raises itself (syntax, undefined output) but
// from 0 in JavaScript errors it wraps ("TypeError: ..."), and drops the line when it is 0.
function _mapError(error: unknown, path: string, phase: "parse" | "render", cause: unknown): Error {
  const text = error instanceof Error ? error.message : String(error);
  const match = /\[Line (\d+)(?:, Column \d+)?\]\s*\n?\s*([\s\S]*)$/.exec(text);
  // Errors inside templates that import macros come wrapped twice.
  const inner = (match ? match[2]! : text.replace(/^\([^)]*\)\s*/, ""))
    .replace(/^(Template render error: \([^)]*\)\s*)+/, "").trim();
  const wrapped = phase === "render" && /^[A-Za-z]*Error: /.test(inner);
  const line = match ? Number(match[1]) + (wrapped ? 1 : 0) : wrapped ? 1 : undefined;
  let detail = cause instanceof Error ? cause.message : inner;
  detail = detail.replace(/^(Template render error: )?([A-Za-z]*Error: )?/, "").trim();
  const unknownCall = /Unable to call `([^`]+)`, which is undefined or falsey/.exec(detail);
  if (unknownCall) {
    detail = `unknown macro or function "${unknownCall[1]}" (macros: ${MACRO_NAMES.join(", ")})`;
  }
  if (detail === "attempted to output null or undefined value") {
    detail = "undefined value in {{ }} (a misspelt variable or attribute?)";
  }
  const where = line ? `${path}:${line}` : path;
  return new TemplateRenderError(`${where}: ${detail}`, { cause: cause ?? error });
}
