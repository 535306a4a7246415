import assert from "node:assert/strict";
import { plotlyScriptTag, plotlySource } from "../../lib/html/mod.ts";
import { buildReport, REPORT_CHART_IDS, type ReportData } from "../../lib/report/mod.ts";
import { fixtureReport, XSS_IMG, XSS_SCRIPT } from "./_fixture.ts";

const escapedScript = "&lt;script&gt;alert(1)&lt;/script&gt;";
const escapedImg = "&lt;img src=x onerror=alert(1)&gt;";

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** The page without the inlined plotly.js, whose minified source is not ours to inspect. */
function withoutPlotly(page: string): string {
  const tag = plotlyScriptTag().value;
  assert.ok(page.includes(tag), "plotly.js is not inlined");
  return page.replace(tag, "");
}

/** Text of the page with tags removed and the few entities we emit decoded. */
function text(page: string): string {
  return withoutPlotly(page)
    .replace(/<script>[\s\S]*?<\/script>/g, "")
    .replace(/<style>[\s\S]*?<\/style>/g, "")
    .replace(/<\/(dt|dd|td|th|li|p|div|h\d|caption|summary)>/g, " ")
    .replace(/<[^>]+>/g, "")
    .replace(/\s+/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

Deno.test("buildReport() renders every section, each headline with its chart and table", () => {
  const page = buildReport(fixtureReport());
  for (
    const id of ["headlines", "activation", "paths", "regions", "affinity", "retention", "activity"]
  ) {
    assert.ok(page.includes(`<section id="${id}"`), `section #${id} missing`);
  }
  for (const id of ["health", "run"]) assert.ok(page.includes(`<section id="${id}"`), id);
  for (const id of REPORT_CHART_IDS) {
    assert.equal(count(page, `<div id="${id}" class="tl-chart"`), 1, `chart #${id}`);
  }
  for (
    const id of [
      "table-activation",
      "table-paths",
      "table-regions",
      "table-top-listings",
      "table-affinity",
      "table-retention",
      "table-outcomes",
      "table-id-sync",
      "table-tests",
      "table-layers",
      "table-model-timing",
    ]
  ) {
    assert.equal(count(page, `id="${id}"`), 1, `table #${id}`);
  }
  assert.ok(page.includes("data-tl-sortable"), "tables are sortable");
});

Deno.test("buildReport() headlines quote the computed numbers, intervals and denominators", () => {
  const body = text(buildReport(fixtureReport()));
  assert.ok(
    body.includes(
      "Basic users start a listing after a session far less often than Pro users: " +
        "25.0% (95% CI 17.5–34.4%, n=100) vs 60.0% (95% CI 53.1–66.5%, n=200) within 14 days, " +
        "so Pro users do so 2.4× as often; the 95% intervals do not overlap.",
    ),
    body,
  );
  assert.ok(
    body.includes(
      "EMEA has the highest listing density: 1.80 published listings per active user " +
        "(95% CI 1.69–1.92; 900 listings from 500 active users, 1,800 per 1,000) vs 1.10 in NA",
    ),
  );
  assert.ok(
    body.includes(
      "But NA listings avoid the most CO₂e each: 95.8 kg CO₂e avoided per published listing " +
        `(95% CI 90.5–101.0 kg, n=440) vs 61.0 kg in ${XSS_IMG}, the next highest`,
    ),
  );
  assert.ok(
    body.includes(
      "Pro users over-index on Metals, listing them more often than sellers overall",
    ),
  );
  assert.ok(body.includes("Metals at 1.50× (95% CI 1.33–1.69): 60.0% of Pro listings vs 40.0%"));
  assert.ok(body.includes(`They under-index most on ${XSS_SCRIPT}: 0.67× (95% CI 0.57–0.78)`));
  assert.ok(body.includes("50.0% (95% CI 40.4–59.6%; 50 of 100 users, 1 cohort) are active"));
  // paths: the tier that activates least (Basic) first; start_listing compared with Wilson CIs
  assert.ok(
    body.includes(
      "After session_start, Basic users most often go on to search (60.0% of 100 users), then " +
        "view_listing (30.0%); 10.0% end their journey there. Pro users most often go on to " +
        "start_listing (60.0% of 50 users), then search (40.0%). start_listing comes next for " +
        "0.0% of Basic users (95% CI 0.0–3.7%; 0 of 100) and 60.0% of Pro users " +
        "(95% CI 46.2–72.4%; 30 of 50).",
    ),
    body,
  );
  assert.ok(body.includes("Of 1,000 event lines delivered, 5 (0.50%) were rejected at load"));
  assert.ok(body.includes("Before standardisation, 95.0% of 980 clean event rows (931)"));
  assert.ok(body.includes("1 passed, 1 warned, 1 failed, 0 skipped of 3 data tests."));
  assert.ok(body.includes("Seed 4242"), "seed shown");
  assert.ok(body.includes("Users 1,234"), "scale shown");
  assert.ok(body.includes("Report queries and metrics 1.23 s"), "timing shown");
});

Deno.test("buildReport() shows hostile titles and labels as text, never as markup", () => {
  const page = buildReport(fixtureReport());
  const ours = withoutPlotly(page);
  assert.equal(count(ours, XSS_SCRIPT), 0, "a raw <script> from data reached the page");
  assert.equal(count(ours, XSS_IMG), 0, "a raw <img> from data reached the page");
  assert.equal(count(ours, "<img"), 0);
  // Our own scripts only: one per chart plus the table-sort script.
  assert.equal(count(ours, "<script>"), REPORT_CHART_IDS.length + 1);
  // Escaped in the listing table, the region and category labels, sentences and test names.
  assert.ok(ours.includes(`<td>${escapedScript}</td>`), "listing title escaped in its table");
  assert.ok(ours.includes(`Copper ${escapedImg} wire`));
  assert.ok(count(ours, escapedImg) >= 3, "region label escaped in sentence and tables");
  assert.ok(ours.includes(`duckdb:data/${escapedScript}.duckdb`), "warehouse path escaped");
  // Inside chart JSON, Plotly labels are escaped for Plotly and `<` never appears raw.
  assert.ok(ours.includes("\\u0026lt;img src=x onerror=alert(1)\\u0026gt;"));
});

Deno.test("buildReport() inlines plotly.js exactly once", () => {
  const page = buildReport(fixtureReport());
  const probe = plotlySource().slice(0, 200);
  assert.equal(count(page, probe), 1);
  assert.ok(!/<script[^>]+src=/i.test(withoutPlotly(page)), "no external script");
  assert.ok(page.includes("Content-Security-Policy"), "CSP meta present");
});

Deno.test("buildReport() highlights failing and warning data tests", () => {
  const page = buildReport(fixtureReport());
  assert.ok(page.includes('class="tl-callout tl-callout-fail" role="alert"'));
  const body = text(page);
  const callout = body.slice(body.indexOf("1 passed, 1 warned"));
  assert.ok(callout.includes(`✘ fail ${XSS_IMG} on dim_listings: 3 failing rows`));
  assert.ok(callout.includes("⚠ warn assert_orphan_events_are_few on fct_events: 20 failing rows"));

  const onlyWarn = fixtureReport();
  onlyWarn.health.tests = onlyWarn.health.tests.filter((t) => t.status !== "fail");
  assert.ok(buildReport(onlyWarn).includes('class="tl-callout tl-callout-warn" role="alert"'));

  const none = fixtureReport();
  none.health.tests = [];
  none.health.testSource = { kind: "none", location: null, runId: null, runAt: null };
  assert.ok(text(buildReport(none)).includes("No data test results found."));
});

Deno.test("buildReport() says when truth.json is missing instead of inventing a seed", () => {
  const data: ReportData = fixtureReport();
  data.parameters.dataset = null;
  data.parameters.datasetProblem = 'Cannot read truth file "nowhere/truth.json": file not found';
  const body = text(buildReport(data));
  assert.ok(
    body.includes(
      'Seed and scale unknown: Cannot read truth file "nowhere/truth.json": file not found',
    ),
  );
  assert.ok(!body.includes("Seed 4242"));
  assert.ok(body.includes("events from 2026-01-05 00:10:00 UTC to 2026-01-25 23:50:00 UTC"));
});

Deno.test("buildReport() is deterministic for the same data", () => {
  assert.equal(buildReport(fixtureReport()), buildReport(fixtureReport()));
});
