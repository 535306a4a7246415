import assert from "node:assert/strict";
import { DEFAULT_EFFECTS, generateDataset } from "../../lib/generate/mod.ts";
import { readDataset, tempDir, trueEvents } from "./_dataset.ts";

const TIERS = ["Basic", "Pro", "Enterprise"] as const;
const REGIONS = ["NA", "EMEA", "APAC", "LATAM"] as const;

Deno.test("generateDataset() plants effects that are recoverable from the written files", async (t) => {
  await using dir = await tempDir("gen_effects_");
  await generateDataset(dir.path, { users: 2000, days: 30, seed: 11 });
  const ds = await readDataset(dir.path);
  const events = trueEvents(ds);
  const realised = ds.truth.effects.realised;
  const tierOf = (id: string) => ds.users.get(id)!.tier!;
  const regionOf = (id: string) => ds.users.get(id)!.region!;

  await t.step("truth.json records the exact planted parameters", () => {
    assert.deepEqual(ds.truth.effects.planted, DEFAULT_EFFECTS);
  });

  await t.step("Basic converts from session_start to start_listing far worse than Pro", () => {
    const firstSession = new Map<string, number>();
    for (const e of events) {
      if (e.event === "session_start" && !firstSession.has(e.userId)) {
        firstSession.set(e.userId, e.tsMs);
      }
    }
    // Delivery order is not time order (late arrivals), so take the minimum explicitly.
    for (const e of events) {
      if (e.event === "session_start" && e.tsMs < firstSession.get(e.userId)!) {
        firstSession.set(e.userId, e.tsMs);
      }
    }
    const converted = new Set(
      events
        .filter((e) => e.event === "start_listing" && e.tsMs >= firstSession.get(e.userId)!)
        .map((e) => e.userId),
    );
    const rate: Record<string, number> = {};
    for (const tier of TIERS) {
      const denom = [...firstSession.keys()].filter((u) => tierOf(u) === tier);
      const num = denom.filter((u) => converted.has(u));
      const truth = realised.activation_session_start_to_start_listing_by_tier[tier];
      assert.equal(denom.length, truth.users_with_session_start, `${tier} denominator`);
      assert.equal(num.length, truth.users_with_start_listing, `${tier} numerator`);
      rate[tier] = num.length / denom.length;
    }
    assert.ok(rate.Basic! > 0.15 && rate.Basic! < 0.4, `Basic ${rate.Basic}`);
    assert.ok(rate.Pro! > 0.55, `Pro ${rate.Pro}`);
    assert.ok(rate.Enterprise! > 0.55, `Enterprise ${rate.Enterprise}`);
    assert.ok(rate.Pro! - rate.Basic! > 0.25, `gap ${rate.Pro! - rate.Basic!}`);
  });

  const published = new Set(
    events.filter((e) => e.event === "publish_listing").map((e) =>
      String((e.raw.properties as Record<string, unknown>).listing_id)
    ),
  );
  const publishedRows = ds.listings.filter((l) => published.has(l.listing_id!));

  await t.step("EMEA has clearly the highest published listings per active user", () => {
    const active = new Set(events.map((e) => e.userId));
    const density: Record<string, number> = {};
    for (const region of REGIONS) {
      const users = [...active].filter((u) => regionOf(u) === region).length;
      const listings = publishedRows.filter((l) => l.region === region).length;
      const truth = realised.published_listings_per_active_user_by_region[region];
      assert.equal(users, truth.active_users, `${region} active users`);
      assert.equal(listings, truth.published_listings, `${region} published listings`);
      density[region] = listings / users;
    }
    const others = REGIONS.filter((r) => r !== "EMEA").map((r) => density[r]!);
    assert.ok(density.EMEA! > 1.25 * Math.max(...others), JSON.stringify(density));
  });

  await t.step("NA has clearly the highest eco-score per published listing; EMEA does not", () => {
    const mean: Record<string, number> = {};
    for (const region of REGIONS) {
      const rows = publishedRows.filter((l) => l.region === region);
      const sum = rows.reduce((a, l) => a + Number(l.eco_score_kg_co2e), 0);
      const truth = realised.eco_score_per_published_listing_by_region[region];
      assert.ok(Math.abs(sum - truth.eco_score_kg_co2e_sum) < 0.01, `${region} eco sum`);
      mean[region] = sum / rows.length;
    }
    const others = REGIONS.filter((r) => r !== "NA").map((r) => mean[r]!);
    assert.ok(mean.NA! > 1.2 * Math.max(...others), JSON.stringify(mean));
    assert.ok(mean.EMEA! < mean.NA!, JSON.stringify(mean));
  });

  await t.step("Pro over-indexes on Industrial and Electronics (lift > 1.25)", () => {
    const tierTotal = (tier: string) =>
      ds.listings.filter((l) => tierOf(l.user_id!) === tier).length;
    const count = (tier: string, category: string) =>
      ds.listings.filter((l) => tierOf(l.user_id!) === tier && l.category === category).length;
    const mix = realised.listing_category_mix_by_tier;
    for (const category of ["Industrial", "Electronics"] as const) {
      const overall = ds.listings.filter((l) => l.category === category).length /
        ds.listings.length;
      const lift = count("Pro", category) / tierTotal("Pro") / overall;
      assert.equal(count("Pro", category), mix.counts.Pro[category]);
      assert.ok(Math.abs(lift - mix.lift.Pro[category]) < 1e-5, `${category} lift vs truth`);
      assert.ok(lift > 1.25, `Pro ${category} lift ${lift}`);
    }
  });

  await t.step("weekly retention since signup decays, and Basic churns fastest", () => {
    const weekMs = 7 * 86_400_000;
    const end = Date.parse(ds.truth.parameters.end);
    const weeks = new Map<string, Set<number>>();
    for (const e of events) {
      const signup = Date.parse(ds.users.get(e.userId)!.signup_at!);
      const set = weeks.get(e.userId) ?? new Set<number>();
      set.add(Math.floor((e.tsMs - signup) / weekMs));
      weeks.set(e.userId, set);
    }
    const rate = (tier: string, k: number) => {
      const eligible = [...weeks.keys()].filter((u) =>
        tierOf(u) === tier && Date.parse(ds.users.get(u)!.signup_at!) + (k + 1) * weekMs <= end
      );
      const retained = eligible.filter((u) => weeks.get(u)!.has(k));
      const truth = realised.weekly_retention_since_signup_by_tier[tier as "Basic"];
      assert.equal(eligible.length, truth.eligible[k], `${tier} week ${k} eligible`);
      assert.equal(retained.length, truth.retained[k], `${tier} week ${k} retained`);
      return retained.length / eligible.length;
    };
    for (const tier of TIERS) {
      assert.equal(rate(tier, 0), 1, `${tier} week 0`);
      assert.ok(rate(tier, 2) < rate(tier, 1), `${tier} decays`);
    }
    // Week 2 is the last week with enough eligible users in a 30-day period.
    assert.ok(
      rate("Basic", 3) < rate("Pro", 3) - 0.1,
      `Basic ${rate("Basic", 3)} Pro ${rate("Pro", 3)}`,
    );
    assert.ok(rate("Basic", 2) < rate("Enterprise", 2) - 0.1);
  });

  await t.step("listings point at their seller and start_listing time", () => {
    const starts = new Map(
      events.filter((e) => e.event === "start_listing").map((e) => [
        String((e.raw.properties as Record<string, unknown>).listing_id),
        e,
      ]),
    );
    assert.equal(starts.size, ds.listings.length);
    for (const l of ds.listings) {
      const start = starts.get(l.listing_id!)!;
      assert.equal(start.userId, l.user_id);
      assert.equal(Date.parse(l.created_at!), start.tsMs);
      assert.equal(l.region, regionOf(l.user_id!));
    }
  });
});

Deno.test("generateDataset() effect overrides change the realised values", async () => {
  await using dir = await tempDir("gen_override_");
  await generateDataset(dir.path, {
    users: 800,
    days: 14,
    effects: { activation: { listerShare: { Basic: 0.8 } } },
  });
  const ds = await readDataset(dir.path);
  assert.equal(ds.truth.effects.planted.activation.listerShare.Basic, 0.8);
  assert.equal(ds.truth.effects.planted.activation.listerShare.Pro, 0.8);
  const rates = ds.truth.effects.realised.activation_session_start_to_start_listing_by_tier;
  assert.ok(rates.Basic.rate > 0.5, `Basic ${rates.Basic.rate}`);
});
