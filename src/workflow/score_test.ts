import assert from "node:assert/strict";
import { parseWeight, percentage, resiliencyScore, weightError } from "./score.ts";

Deno.test("resiliencyScore is the weight-weighted mean of probeSuccessPercentage", () => {
  assert.equal(resiliencyScore([{ weight: 10, probeSuccessPercentage: "100" }]), 100);
  // (10×100 + 10×50) / 20
  assert.equal(
    resiliencyScore([{ weight: 10, probeSuccessPercentage: "100" }, {
      weight: 10,
      probeSuccessPercentage: "50",
    }]),
    75,
  );
  // (3×100 + 1×0) / 4
  assert.equal(
    resiliencyScore([{ weight: 3, probeSuccessPercentage: "100" }, {
      weight: 1,
      probeSuccessPercentage: "0",
    }]),
    75,
  );
  // (1×100 + 2×33) / 3 = 55.333…
  assert.equal(
    resiliencyScore([{ weight: 1, probeSuccessPercentage: "100" }, {
      weight: 2,
      probeSuccessPercentage: "33",
    }]),
    55.33,
  );
  // Awaited or missing counts as 0.
  assert.equal(
    resiliencyScore([{ weight: 5, probeSuccessPercentage: "Awaited" }, {
      weight: 5,
      probeSuccessPercentage: "80",
    }]),
    40,
  );
  assert.equal(
    resiliencyScore([{ weight: 5, probeSuccessPercentage: undefined }, {
      weight: 15,
      probeSuccessPercentage: "100",
    }]),
    75,
  );
});

Deno.test("resiliencyScore is undefined without faults or weights", () => {
  assert.equal(resiliencyScore([]), undefined);
  assert.equal(resiliencyScore([{ weight: 0, probeSuccessPercentage: "100" }]), undefined);
  assert.equal(
    resiliencyScore([{ weight: 0, probeSuccessPercentage: "100" }, {
      weight: 2,
      probeSuccessPercentage: "50",
    }]),
    50,
  );
});

Deno.test("weights default to 10 and bad labels are quoted", () => {
  assert.equal(parseWeight(undefined), 10);
  assert.equal(parseWeight(""), 10);
  assert.equal(parseWeight("3"), 3);
  assert.equal(parseWeight("2.5"), 2.5);
  assert.throws(() => parseWeight("-1"), /weight "-1"/);
  assert.throws(() => parseWeight("heavy"), /weight "heavy" is not a non-negative number/);
  assert.deepEqual(
    weightError("x", "spec.templates[0].metadata.labels.weight")?.path,
    "spec.templates[0].metadata.labels.weight",
  );
  assert.equal(weightError("7", "p"), undefined);
});

Deno.test("percentage clamps and treats non-numbers as 0", () => {
  assert.equal(percentage("100"), 100);
  assert.equal(percentage("150"), 100);
  assert.equal(percentage("Awaited"), 0);
  assert.equal(percentage(""), 0);
});
