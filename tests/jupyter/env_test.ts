import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ensureJupyterEnv,
  jupyterEnvVars,
  KERNEL_DISPLAY_NAME,
  writeKernelSpec,
} from "../../lib/jupyter/mod.ts";

Deno.test("writeKernelSpec() writes a Deno kernelspec and rewrites it only when Deno moved", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "tl-kernelspec-" });
  try {
    const first = await writeKernelSpec(dataDir, { denoPath: "/opt/deno-a/deno" });
    assert.equal(first.path, join(dataDir, "kernels", "terraloop-deno", "kernel.json"));
    assert.equal(first.changed, true);
    const spec = JSON.parse(await Deno.readTextFile(first.path));
    assert.deepEqual(spec, {
      argv: ["/opt/deno-a/deno", "jupyter", "--kernel", "--conn", "{connection_file}"],
      display_name: KERNEL_DISPLAY_NAME,
      language: "typescript",
    });

    const same = await writeKernelSpec(dataDir, { denoPath: "/opt/deno-a/deno" });
    assert.equal(same.changed, false);

    const moved = await writeKernelSpec(dataDir, { denoPath: "/opt/deno-b/deno" });
    assert.equal(moved.changed, true);
    assert.equal(JSON.parse(await Deno.readTextFile(moved.path)).argv[0], "/opt/deno-b/deno");
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("writeKernelSpec() defaults to the running Deno", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "tl-kernelspec-" });
  try {
    const { path } = await writeKernelSpec(dataDir);
    assert.equal(JSON.parse(await Deno.readTextFile(path)).argv[0], Deno.execPath());
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("jupyterEnvVars() keeps every Jupyter directory inside the venv", () => {
  const env = jupyterEnvVars("/p/.venv");
  for (
    const key of ["JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"]
  ) {
    assert.ok(env[key]?.startsWith("/p/.venv/"), `${key}=${env[key]}`);
  }
  assert.equal(env.JUPYTER_DATA_DIR, "/p/.venv/share/jupyter");
});

Deno.test("ensureJupyterEnv() without Python says what is missing and how to fix it", async () => {
  const root = await Deno.makeTempDir({ prefix: "tl-nopython-" });
  try {
    await Deno.writeTextFile(join(root, "requirements-jupyter.txt"), "jupyterlab\n");
    await assert.rejects(
      () => ensureJupyterEnv({ root, python: "python3-not-installed-here" }),
      /python3-not-installed-here not found: JupyterLab needs Python 3\.9\+; install it/,
    );
    // Nothing was created: the venv is only made with a working Python.
    await assert.rejects(() => Deno.stat(join(root, ".venv", "bin", "python")));
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});

Deno.test("ensureJupyterEnv() without requirements-jupyter.txt names the file", async () => {
  const root = await Deno.makeTempDir({ prefix: "tl-noreq-" });
  try {
    await assert.rejects(() => ensureJupyterEnv({ root }), /requirements-jupyter\.txt" is missing/);
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});

Deno.test({
  name: "ensureJupyterEnv() installs JupyterLab's Plotly renderer, pinned with JupyterLab",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const env = await ensureJupyterEnv();
    const requirements = await Deno.readTextFile(join(env.root, "requirements-jupyter.txt"));
    const pinned = /^plotly==([\d.]+)$/m.exec(requirements)?.[1];
    assert.ok(pinned, "plotly is not pinned in requirements-jupyter.txt");
    const output = await new Deno.Command(env.jupyter, {
      args: ["labextension", "list"],
      env: env.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    // jupyter labextension list reports on stderr.
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.match(
      text.replace(/\x1b\[[0-9;]*m/g, ""),
      new RegExp(`jupyterlab-plotly v${pinned.replaceAll(".", "\\.")} enabled OK`),
    );
  },
});
