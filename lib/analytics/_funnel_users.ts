/**
 * Private: the counted attempt of every user, by PostHog's definitions (_funnel_core.ts) or
 * ClickHouse's windowFunnel (_window_funnel.ts). Shared by funnel(), funnelTrends() and
 * timeToConvert().
 */
import { funnelAttempts, type PerUser, pickPerUser, type Prepared } from "./_funnel_core.ts";
import { windowFunnelPerUser } from "./_window_funnel.ts";

/** One row per user with their counted attempt; `exact` selects the exact user sort. */
export function funnelPerUser(p: Prepared, exact: boolean): PerUser {
  return p.modes !== null ? windowFunnelPerUser(p, exact) : pickPerUser(funnelAttempts(p, exact));
}
