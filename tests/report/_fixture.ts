/** A small hand-made ReportData whose numbers can be checked on paper, with hostile labels. */
import type { ReportData } from "../../lib/report/mod.ts";

type FunnelRow = ReportData["activation"]["funnel"][number];
type RetentionRow = ReportData["retention"]["rows"][number];
type RollingRow = ReportData["rolling"][number];

export const XSS_SCRIPT = "<script>alert(1)</script>";
export const XSS_IMG = "<img src=x onerror=alert(1)>";

function funnelRows(
  tier: string,
  users: number[],
  ci: [number, number][],
): FunnelRow[] {
  const labels = ["session_start", "view_listing", "start_listing", "publish_listing"];
  return users.map((u, i) => ({
    tier,
    step: i + 1,
    label: labels[i]!,
    users: u,
    conversion_pct: (u / users[0]!) * 100,
    conversion_ci_low: ci[i]![0],
    conversion_ci_high: ci[i]![1],
    step_conversion_pct: i === 0 ? null : (u / users[i - 1]!) * 100,
    step_conversion_ci_low: null,
    step_conversion_ci_high: null,
    median_time_to_convert_s: i === 0 ? null : 3600 * (i + 1),
    p90_time_to_convert_s: i === 0 ? null : 7200 * (i + 1),
  }));
}

function retentionRows(): RetentionRow[] {
  const rows: RetentionRow[] = [];
  const cohorts = [["2026-01-05", 100, [100, 50, 40]], ["2026-01-12", 80, [80, 36]]] as const;
  for (const [day, size, users] of cohorts) {
    users.forEach((u, period) => {
      rows.push({
        cohort: new Date(`${day}T00:00:00Z`),
        cohort_size: size,
        period,
        users: u,
        retention_pct: (u / size) * 100,
        retention_ci_low: null,
        retention_ci_high: null,
        is_complete: !(day === "2026-01-12" && period === 1),
      });
    });
  }
  return rows;
}

function rollingRows(): RollingRow[] {
  const rows: RollingRow[] = [];
  for (const [region, base] of [["EMEA", 10], ["NA", 20], [XSS_IMG, 5]] as const) {
    for (let d = 0; d < 3; d++) {
      rows.push({
        date: new Date(Date.UTC(2026, 0, 5 + d)),
        region,
        value: base + d,
        rolling_mean: base + d / 2,
      });
    }
  }
  return rows;
}

function pathRows(): ReportData["paths"]["rows"] {
  const edge = (
    tier: string,
    step: number,
    source: string | null,
    target: string | null,
    users: number,
    node: number,
  ) => ({ tier, step, source, target, users, node_users: node, share_pct: (users / node) * 100 });
  return [
    edge("Basic", 0, "session_start", "search", 60, 100),
    edge("Basic", 0, "session_start", "view_listing", 30, 100),
    edge("Basic", 0, "session_start", null, 10, 100),
    edge("Basic", 1, "search", XSS_SCRIPT, 20, 60),
    edge("Pro", 0, "session_start", "start_listing", 30, 50),
    edge("Pro", 0, "session_start", "search", 20, 50),
  ];
}

/** The fixture: Basic 25% vs Pro 60% activation, EMEA densest, NA greenest, Pro loves Metals. */
export function fixtureReport(): ReportData {
  return {
    parameters: {
      truthPath: "data/raw/truth.json",
      dataset: {
        generator: "terraloop lib/generate v1",
        seed: 4242,
        users: 1234,
        days: 21,
        start: "2026-01-05",
        end: "2026-01-26",
      },
      datasetProblem: null,
      warehouse: `duckdb:data/${XSS_SCRIPT}.duckdb`,
      generatedAt: "2026-02-01T12:00:00.000Z",
      eventsFrom: "2026-01-05T00:10:00.000Z",
      eventsTo: "2026-01-25T23:50:00.000Z",
    },
    activation: {
      steps: ["session_start", "view_listing", "start_listing", "publish_listing"],
      activationStep: "start_listing",
      windowDays: 14,
      funnel: [
        ...funnelRows("Basic", [100, 90, 25, 20], [[96.3, 100], [82.6, 94.5], [
          17.5,
          34.4,
        ], [13.3, 28.9]]),
        ...funnelRows("Pro", [200, 190, 120, 110], [[98.1, 100], [91.0, 97.3], [
          53.1,
          66.5,
        ], [48.1, 61.8]]),
      ],
    },
    regions: {
      density: [
        {
          region: "EMEA",
          n_listings: 900,
          n_active_users: 500,
          listings_per_user: 1.8,
          listings_per_user_ci_low: 1.69,
          listings_per_user_ci_high: 1.92,
          listings_per_1000_users: 1800,
          listings_per_1000_users_ci_low: 1690,
          listings_per_1000_users_ci_high: 1920,
        },
        {
          region: "NA",
          n_listings: 440,
          n_active_users: 400,
          listings_per_user: 1.1,
          listings_per_user_ci_low: 1.0,
          listings_per_user_ci_high: 1.21,
          listings_per_1000_users: 1100,
          listings_per_1000_users_ci_low: 1000,
          listings_per_1000_users_ci_high: 1210,
        },
        {
          region: XSS_IMG,
          n_listings: 50,
          n_active_users: 100,
          listings_per_user: 0.5,
          listings_per_user_ci_low: 0.38,
          listings_per_user_ci_high: 0.66,
          listings_per_1000_users: 500,
          listings_per_1000_users_ci_low: 380,
          listings_per_1000_users_ci_high: 660,
        },
      ],
      ecoImpact: [
        {
          region: "EMEA",
          n_listings: 900,
          n_listings_missing_score: 0,
          total_eco_score_kg_co2e: 54225,
          mean_eco_score_kg_co2e: 60.25,
          sd_eco_score_kg_co2e: 42,
          mean_ci_low_kg_co2e: 57.5,
          mean_ci_high_kg_co2e: 63,
        },
        {
          region: "NA",
          n_listings: 440,
          n_listings_missing_score: 0,
          total_eco_score_kg_co2e: 42130,
          mean_eco_score_kg_co2e: 95.75,
          sd_eco_score_kg_co2e: 56,
          mean_ci_low_kg_co2e: 90.5,
          mean_ci_high_kg_co2e: 101,
        },
        {
          region: XSS_IMG,
          n_listings: 50,
          n_listings_missing_score: 0,
          total_eco_score_kg_co2e: 3050,
          mean_eco_score_kg_co2e: 61,
          sd_eco_score_kg_co2e: 32,
          mean_ci_low_kg_co2e: 52,
          mean_ci_high_kg_co2e: 70,
        },
      ],
      users: [
        { region: "EMEA", n_users: 600 },
        { region: "NA", n_users: 500 },
        { region: XSS_IMG, n_users: 134 },
      ],
    },
    topListings: [
      {
        listing_id: "L0000001",
        title: XSS_SCRIPT,
        category: "Metals",
        region: "NA",
        tier: "Pro",
        weight_kg: 120.5,
        eco_score_kg_co2e: 950.25,
      },
      {
        listing_id: "L0000002",
        title: `Copper ${XSS_IMG} wire`,
        category: "Metals",
        region: "EMEA",
        tier: "Basic",
        weight_kg: 80,
        eco_score_kg_co2e: 700,
      },
    ],
    affinity: [
      // 400 listings: Basic 200 (Metals 40, Textiles 160), Pro 200 (Metals 120, Textiles 80).
      {
        tier: "Basic",
        category: "Metals",
        n: 40,
        group_total: 200,
        share: 0.2,
        category_total: 160,
        overall_total: 400,
        overall_share: 0.4,
        lift: 0.5,
        lift_ci_low: 0.38,
        lift_ci_high: 0.66,
        z: -8.16,
        p_value: 1e-9,
      },
      {
        tier: "Basic",
        category: "Textiles",
        n: 160,
        group_total: 200,
        share: 0.8,
        category_total: 240,
        overall_total: 400,
        overall_share: 0.6,
        lift: 4 / 3,
        lift_ci_low: 1.22,
        lift_ci_high: 1.46,
        z: 8.16,
        p_value: 1e-9,
      },
      {
        tier: "Pro",
        category: "Metals",
        n: 120,
        group_total: 200,
        share: 0.6,
        category_total: 160,
        overall_total: 400,
        overall_share: 0.4,
        lift: 1.5,
        lift_ci_low: 1.33,
        lift_ci_high: 1.69,
        z: 8.16,
        p_value: 1e-9,
      },
      {
        tier: "Pro",
        category: XSS_SCRIPT,
        n: 80,
        group_total: 200,
        share: 0.4,
        category_total: 240,
        overall_total: 400,
        overall_share: 0.6,
        lift: 2 / 3,
        lift_ci_low: 0.57,
        lift_ci_high: 0.78,
        z: -8.16,
        p_value: 0.0421,
      },
    ],
    retention: { intervals: 12, rows: retentionRows() },
    paths: { start: "session_start", steps: 2, minEdgeUsers: 1, rows: pathRows() },
    rolling: rollingRows(),
    health: {
      tables: [
        { layer: "raw", table: "events", rows: 1000 },
        { layer: "raw", table: "events_rejected", rows: 5 },
        { layer: "staging", table: "stg_events", rows: 985 },
        { layer: "marts", table: "fct_events", rows: 985 },
      ],
      outcomes: [
        { stage: "load", outcome: "rejected", reason: "invalid JSON", n_rows: 5 },
        { stage: "staging", outcome: "duplicate", reason: "duplicate delivery", n_rows: 10 },
        { stage: "staging", outcome: "quarantined", reason: XSS_SCRIPT, n_rows: 5 },
        { stage: "marts", outcome: "kept", reason: "orphan user id", n_rows: 20 },
        { stage: "marts", outcome: "kept", reason: "registry user", n_rows: 960 },
      ],
      idSync: {
        n_events: 980,
        n_matched_before: 931,
        n_matched_after: 960,
        n_orphan_events: 20,
        match_before_pct: 95,
        match_after_pct: 97.96,
        match_after_non_orphan_pct: 100,
      },
      tests: [
        {
          name: "unique_fct_events_event_id",
          model: "fct_events",
          severity: "error",
          status: "pass",
          failures: 0,
          message: null,
        },
        {
          name: "assert_orphan_events_are_few",
          model: "fct_events",
          severity: "warn",
          status: "warn",
          failures: 20,
          message: null,
        },
        {
          name: XSS_IMG,
          model: "dim_listings",
          severity: "error",
          status: "fail",
          failures: 3,
          message: XSS_SCRIPT,
        },
      ],
      testSource: {
        kind: "run_results",
        location: "target/run_results.json",
        runId: "run-1",
        runAt: "2026-02-01T11:59:00.000Z",
      },
    },
    timing: {
      collectSeconds: 1.234,
      parts: [{ part: "activation funnel", seconds: 0.5 }],
      modelsSeconds: 9.5,
      models: [{
        name: "fct_events",
        materialized: "table",
        status: "success",
        rows: 985,
        seconds: 1.25,
      }],
    },
  };
}
