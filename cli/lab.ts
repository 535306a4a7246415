/**
 * `deno task lab`: JupyterLab from the project's .venv, with the "Deno (TerraLoop)" kernel.
 *
 * @module
 */

import { ensureJupyterEnv, KERNEL_DISPLAY_NAME, PROJECT_ROOT } from "../lib/jupyter/mod.ts";
import { parseTaskArgs, runTask, UsageError } from "./_common.ts";

/** Port JupyterLab listens on unless `--port` says otherwise. */
const DEFAULT_PORT = 8888;

const HELP = `Usage: deno task lab [options]

Starts JupyterLab on 127.0.0.1 with the project as its root and notebooks/ open. The first
run creates .venv/ (python3 -m venv + pip install -r requirements-jupyter.txt) and registers
the "${KERNEL_DISPLAY_NAME}" kernel, which runs this Deno with the project's deno.json.
Jupyter's config, data and runtime files stay inside .venv/; nothing goes to your home.

Options:
  --port N        port to listen on (default: ${DEFAULT_PORT}); fails if it is taken
  --token TOKEN   access token (default: a random one, printed in the URL)
  -h, --help      show this help

Stop with Ctrl-C. Exit codes: 1 JupyterLab failed or the port is taken; 2 a wrong flag.
`;

async function main(): Promise<number> {
  const { values } = parseTaskArgs(Deno.args, {
    port: { type: "string", default: String(DEFAULT_PORT) },
    token: { type: "string" },
  }, HELP);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`Invalid --port "${values.port}": expected a number from 1 to 65535`);
  }
  if (!portIsFree(port)) {
    throw new Error(`Cannot start JupyterLab: port ${port} on 127.0.0.1 is in use; pass --port N`);
  }
  const token = values.token ?? randomToken();
  const env = await ensureJupyterEnv({ onProgress: (m) => console.error(m) });

  const child = new Deno.Command(env.jupyter, {
    args: [
      "lab",
      "--no-browser",
      "--ServerApp.ip=127.0.0.1",
      `--ServerApp.port=${port}`,
      "--ServerApp.port_retries=0",
      `--ServerApp.root_dir=${PROJECT_ROOT}`,
      `--IdentityProvider.token=${token}`,
      "--LabApp.default_url=/lab/tree/notebooks",
      `--MultiKernelManager.default_kernel_name=${env.kernelName}`,
      // No calls home: no update check, no news feed.
      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
      "--LabApp.news_url=None",
      // Containers often run as root; Jupyter refuses that unless told.
      ...(Deno.uid() === 0 ? ["--ServerApp.allow_root=True"] : []),
    ],
    cwd: PROJECT_ROOT,
    env: { ...env.env, TERRALOOP_PROJECT_ROOT: PROJECT_ROOT },
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).spawn();

  const url = `http://127.0.0.1:${port}/lab/tree/notebooks?token=${token}`;
  let announced = false;
  const forward = (signal: Deno.Signal) => () => {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  };
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);

  // Pass JupyterLab's log through, and print our URL once the server is listening.
  const encoder = new TextEncoder();
  for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
    Deno.stderr.writeSync(encoder.encode(text));
    if (!announced && /is running at|Jupyter Server .* is running/.test(text)) {
      announced = true;
      console.log(
        `\nJupyterLab is running with kernel "${KERNEL_DISPLAY_NAME}" (${env.kernelSpecPath}).\n` +
          `Open: ${url}\nStop: Ctrl-C\n`,
      );
    }
  }
  const status = await child.status;
  Deno.removeSignalListener("SIGINT", onInt);
  Deno.removeSignalListener("SIGTERM", onTerm);
  return status.signal ? 0 : status.code;
}

function portIsFree(port: number): boolean {
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    listener.close();
    return true;
  } catch {
    return false;
  }
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

if (import.meta.main) await runTask(main);
