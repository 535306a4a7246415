import assert from "node:assert/strict";
import { flowSentence, idSyncSentence, listPhrase } from "../../lib/insights/mod.ts";
import { fixtureReport } from "../report/_fixture.ts";

Deno.test("health sentences account for every line and state the match rates", () => {
  const health = fixtureReport().health;
  assert.equal(
    flowSentence(health.outcomes),
    "Of 1,000 event lines delivered, 5 (0.50%) were rejected at load (invalid JSON), " +
      "10 (1.00%) were duplicate deliveries, 5 (0.50%) were quarantined " +
      "(<script>alert(1)</script>) and 980 (98.00%) were kept, 20 of them from user ids not " +
      "in the registry (flagged as orphans).",
  );
  assert.equal(
    idSyncSentence(health.idSync),
    "Before standardisation, 95.0% of 980 clean event rows (931) carried a user id that " +
      "matched the registry; after trimming and upper-casing ids, 98.0% (960) do, 100.0% of " +
      "rows from registry users. The other 20 rows (2.04%) carry ids that are not in the " +
      "registry: they are kept and flagged as orphans.",
  );
  assert.ok(idSyncSentence(null).includes("missing"));
  assert.ok(flowSentence([]).includes("missing"));
});

Deno.test("listPhrase() joins with commas and a final 'and'", () => {
  assert.equal(listPhrase([]), "");
  assert.equal(listPhrase(["Industrial"]), "Industrial");
  assert.equal(listPhrase(["Industrial", "Electronics"]), "Industrial and Electronics");
  assert.equal(listPhrase(["a", "b", "c"]), "a, b and c");
});
