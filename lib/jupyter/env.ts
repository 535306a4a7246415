/**
 * The project-local Python environment that runs JupyterLab and nbclient, and the Jupyter
 * kernelspec that points at this project's Deno.
 *
 * Everything lives under `.venv/` in the project: the packages, the kernelspec, and (through
 * {@linkcode jupyterEnvVars}) Jupyter's config, data, runtime and IPython directories, so
 * nothing is written to the home directory.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Name of the kernelspec registered for this project. */
export const KERNEL_NAME = "terraloop-deno";

/** Display name of the kernelspec, as JupyterLab's launcher shows it. */
export const KERNEL_DISPLAY_NAME = "Deno (TerraLoop)";

/** Absolute path of the project root (the folder holding deno.json). */
export const PROJECT_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A ready Jupyter environment, as returned by {@linkcode ensureJupyterEnv}. */
export interface JupyterEnv {
  /** Project root the environment belongs to. */
  root: string;
  /** The virtual environment folder (`<root>/.venv`). */
  venvDir: string;
  /** The venv's Python interpreter. */
  python: string;
  /** The venv's `jupyter` launcher. */
  jupyter: string;
  /** Kernelspec name to pass to nbclient / JupyterLab. */
  kernelName: string;
  /** Path of the kernel.json that was checked or written. */
  kernelSpecPath: string;
  /** Environment variables that keep Jupyter's files inside the venv. */
  env: Record<string, string>;
}

/** Options for {@linkcode ensureJupyterEnv}. */
export interface EnsureJupyterEnvOptions {
  /**
   * Project root holding `requirements-jupyter.txt`; the venv is `<root>/.venv`.
   * @default {PROJECT_ROOT}
   */
  root?: string;
  /**
   * Python used to create the venv when it is missing.
   * @default {Deno.env.get("TERRALOOP_PYTHON") ?? "python3"}
   */
  python?: string;
  /**
   * Deno binary the kernelspec starts.
   * @default {Deno.execPath()}
   */
  denoPath?: string;
  /**
   * Called with a one-line description before each slow step (venv creation, pip install).
   * @default {() => {}}
   */
  onProgress?: (message: string) => void;
}

/** Options for {@linkcode writeKernelSpec}. */
export interface KernelSpecOptions {
  /**
   * Deno binary the kernel runs.
   * @default {Deno.execPath()}
   */
  denoPath?: string;
  /**
   * Kernelspec folder name.
   * @default {"terraloop-deno"}
   */
  name?: string;
  /**
   * Name shown in JupyterLab.
   * @default {"Deno (TerraLoop)"}
   */
  displayName?: string;
}

/** Result of {@linkcode writeKernelSpec}. */
export interface KernelSpecResult {
  /** Path of kernel.json. */
  path: string;
  /** Whether the file was (re)written; false when it already matched. */
  changed: boolean;
}

const MIN_PYTHON: [number, number] = [3, 9];
const STAMP_FILE = ".terraloop-requirements";

/**
 * The kernel.json content for a Deno kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const spec = kernelSpec("/usr/local/bin/deno");
 * assert.deepEqual(spec.argv, [
 *   "/usr/local/bin/deno",
 *   "jupyter",
 *   "--kernel",
 *   "--conn",
 *   "{connection_file}",
 * ]);
 * assert.equal(spec.display_name, "Deno (TerraLoop)");
 * ```
 */
export function kernelSpec(
  denoPath: string,
  displayName: string = KERNEL_DISPLAY_NAME,
): { argv: string[]; display_name: string; language: string } {
  return {
    argv: [denoPath, "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: displayName,
    language: "typescript",
  };
}

/**
 * Writes `<dataDir>/kernels/<name>/kernel.json` for this Deno, rewriting it only when its
 * content differs (for example after Deno moved).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dataDir = await Deno.makeTempDir(); // the project's is .venv/share/jupyter
 * const options = { denoPath: "/usr/local/bin/deno" };
 * const { path, changed } = await writeKernelSpec(dataDir, options);
 * assert.equal(path, `${dataDir}/kernels/terraloop-deno/kernel.json`);
 * assert.equal(changed, true);
 * assert.equal((await writeKernelSpec(dataDir, options)).changed, false); // already up to date
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export async function writeKernelSpec(
  dataDir: string,
  options: KernelSpecOptions = {},
): Promise<KernelSpecResult> {
  const name = options.name ?? KERNEL_NAME;
  const spec = kernelSpec(
    options.denoPath ?? Deno.execPath(),
    options.displayName ?? KERNEL_DISPLAY_NAME,
  );
  const dir = join(dataDir, "kernels", name);
  const path = join(dir, "kernel.json");
  const text = JSON.stringify(spec, null, 2) + "\n";
  const existing = await _readTextOrNull(path);
  if (existing === text) return { path, changed: false };
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(path, text);
  return { path, changed: true };
}

/**
 * Environment variables that make every Jupyter process (server, nbclient, kernels) keep its
 * config, data, runtime files and IPython profile inside `venvDir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const env = jupyterEnvVars("/work/main/.venv");
 * assert.equal(env.JUPYTER_DATA_DIR, "/work/main/.venv/share/jupyter");
 * assert.equal(env.VIRTUAL_ENV, "/work/main/.venv");
 * ```
 */
export function jupyterEnvVars(venvDir: string): Record<string, string> {
  const data = join(venvDir, "share", "jupyter");
  const config = join(venvDir, "etc", "jupyter");
  return {
    JUPYTER_DATA_DIR: data,
    JUPYTER_CONFIG_DIR: config,
    JUPYTER_RUNTIME_DIR: join(data, "runtime"),
    JUPYTERLAB_SETTINGS_DIR: join(config, "lab", "user-settings"),
    JUPYTERLAB_WORKSPACES_DIR: join(config, "lab", "workspaces"),
    IPYTHONDIR: join(venvDir, "etc", "ipython"),
    JUPYTER_PLATFORM_DIRS: "1",
    VIRTUAL_ENV: venvDir,
  };
}

/**
 * Makes sure `<root>/.venv` has JupyterLab, nbclient, nbconvert and plotly (JupyterLab's Plotly
 * renderer) at the versions pinned in
 * `requirements-jupyter.txt`, and that the `terraloop-deno` kernelspec points at this Deno.
 *
 * Creates the venv with `python3 -m venv` and runs `pip install -r` only when needed: the
 * venv is missing, or the requirements changed since the last install. Concurrent callers
 * (parallel tests) wait for each other through a lock folder in `target/`.
 *
 * @example
 * ```ts ignore
 * // Creates .venv and runs pip install the first time (needs Python and the package index).
 * const env = await ensureJupyterEnv({ onProgress: (m) => console.error(m) });
 * // env.jupyter === "<root>/.venv/bin/jupyter"
 * ```
 */
export async function ensureJupyterEnv(
  options: EnsureJupyterEnvOptions = {},
): Promise<JupyterEnv> {
  const root = resolve(options.root ?? PROJECT_ROOT);
  const venvDir = join(root, ".venv");
  const python = join(venvDir, "bin", "python");
  const jupyter = join(venvDir, "bin", "jupyter");
  const requirementsPath = join(root, "requirements-jupyter.txt");
  const requirements = await _readTextOrNull(requirementsPath);
  if (requirements === null) {
    throw new Error(`Cannot set up Jupyter: "${requirementsPath}" is missing`);
  }
  const stamp = await _sha256(requirements);
  const stampPath = join(venvDir, STAMP_FILE);
  const progress = options.onProgress ?? (() => {});

  if (!(await _isReady(jupyter, stampPath, stamp))) {
    await _withLock(join(root, "target", ".jupyter-env.lock"), async () => {
      // Another process may have finished the install while this one waited.
      if (await _isReady(jupyter, stampPath, stamp)) return;
      if (!(await _exists(python))) {
        const basePython = options.python ?? Deno.env.get("TERRALOOP_PYTHON") ?? "python3";
        await _checkPython(basePython);
        progress(`Creating ${venvDir} with ${basePython} -m venv`);
        await _run(basePython, ["-m", "venv", venvDir], root, "create the virtual environment");
      }
      progress(`Installing ${requirementsPath} into ${venvDir} (pip)`);
      await _run(
        python,
        ["-m", "pip", "install", "--retries", "0", "-r", requirementsPath],
        root,
        "install requirements-jupyter.txt",
      );
      if (!(await _exists(jupyter))) {
        throw new Error(`Cannot set up Jupyter: pip finished but "${jupyter}" is missing`);
      }
      await Deno.writeTextFile(stampPath, stamp + "\n");
    });
  }

  const env = jupyterEnvVars(venvDir);
  const spec = await writeKernelSpec(env.JUPYTER_DATA_DIR!, { denoPath: options.denoPath });
  return {
    root,
    venvDir,
    python,
    jupyter,
    kernelName: KERNEL_NAME,
    kernelSpecPath: spec.path,
    env,
  };
}

async function _isReady(jupyter: string, stampPath: string, stamp: string): Promise<boolean> {
  if (!(await _exists(jupyter))) return false;
  return (await _readTextOrNull(stampPath))?.trim() === stamp;
}

async function _checkPython(python: string): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(python, {
      args: ["-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${python} not found: JupyterLab needs Python ${MIN_PYTHON.join(".")}+; install it ` +
          `(e.g. apt-get install python3 python3-venv) or set TERRALOOP_PYTHON to its path`,
      );
    }
    throw error;
  }
  const text = new TextDecoder().decode(output.stdout).trim();
  const [major, minor] = text.split(".").map(Number);
  if (!output.success || major === undefined || minor === undefined) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `Cannot use ${python}: it failed to report its version or lacks the venv module ` +
        `(on Debian: apt-get install python3-venv): ${stderr}`,
    );
  }
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new Error(
      `Cannot use ${python}: it is Python ${text}, JupyterLab needs Python ` +
        `${MIN_PYTHON.join(".")}+; set TERRALOOP_PYTHON to a newer one`,
    );
  }
}

async function _run(cmd: string, args: string[], cwd: string, what: string): Promise<void> {
  const output = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (output.success) return;
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  const tail = text.trim().split("\n").filter((line) => !line.startsWith("WARNING: Location"))
    .slice(-20).join("\n");
  throw new Error(`Cannot ${what}: "${cmd} ${args.join(" ")}" exited ${output.code}:\n${tail}`);
}

async function _withLock(lockDir: string, fn: () => Promise<void>): Promise<void> {
  await Deno.mkdir(dirname(lockDir), { recursive: true });
  const staleMs = 15 * 60_000;
  for (;;) {
    try {
      await Deno.mkdir(lockDir);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const info = await Deno.stat(lockDir).catch(() => null);
      if (info?.mtime && Date.now() - info.mtime.getTime() > staleMs) {
        await Deno.remove(lockDir, { recursive: true }).catch(() => {});
        continue;
      }
      await new Promise((done) => setTimeout(done, 500));
    }
  }
  try {
    await fn();
  } finally {
    await Deno.remove(lockDir, { recursive: true }).catch(() => {});
  }
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function _readTextOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function _sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
