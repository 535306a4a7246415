// A small demo page (two charts and a table holding hostile strings), shared by the page tests.
import pl from "nodejs-polars";
import { funnelChart, retentionHeatmap } from "../../lib/charts/mod.ts";
import { figureToHtml, html, page, tableHtml } from "../../lib/html/mod.ts";

export const XSS_SCRIPT = "<script>alert(1)</script>";
export const XSS_IMG = "<img src=x onerror=alert(1)>";

export function demoFunnel(): pl.DataFrame {
  return pl.DataFrame({
    tier: ["Basic", "Basic", "Basic", "Pro", "Pro", "Pro"],
    step: [1, 2, 3, 1, 2, 3],
    label: ["Session", "View listing", XSS_SCRIPT, "Session", "View listing", XSS_SCRIPT],
    users: [1000, 400, 100, 200, 150, 90],
    conversion_pct: [100, 40, 10, 100, 75, 45],
    conversion_ci_low: [99.6, 37, 8.3, 98.1, 68.6, 38.3],
    conversion_ci_high: [100, 43.1, 12, 100, 80.5, 51.9],
    step_conversion_pct: [100, 40, 25, 100, 75, 60],
  });
}

export function demoRetention(): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const cohorts = ["2026-03-02", "2026-03-09", "2026-03-16"];
  cohorts.forEach((day, c) => {
    for (let p = 0; p < 3 - c + 1 && p < 3; p++) {
      const users = p === 0 ? 100 : 100 - 30 * p - c * 5;
      rows.push({
        cohort: new Date(`${day}T00:00:00Z`),
        period: p,
        retention_pct: users,
        users,
        cohort_size: 100,
        is_complete: p < 2 - c + 1,
      });
    }
  });
  return rows;
}

export function demoTable(): Record<string, unknown>[] {
  return [
    { name: XSS_SCRIPT, users: 1200, conversion_pct: 12.5 },
    { name: XSS_IMG, users: 90, conversion_pct: 45 },
    { name: "Alpha", users: 15000, conversion_pct: 3.25 },
    { name: "Beta", users: null, conversion_pct: 7 },
  ];
}

export function demoPage(): string {
  const funnel = funnelChart(demoFunnel(), { by: "tier", title: "Pro users convert better" });
  const retention = retentionHeatmap(demoRetention(), { title: "Retention holds after week 1" });
  const body = html`
    <h1>Demo report ${XSS_SCRIPT}</h1>
    <p>Two charts and a table whose cells hold hostile strings.</p>
    ${figureToHtml(funnel, { id: "funnel" })}
    ${figureToHtml(retention, { id: "retention" })}
    ${tableHtml(demoTable(), { id: "people", caption: `Caption ${XSS_IMG}` })}
  `;
  return page({ title: `Demo ${XSS_SCRIPT}`, body });
}
