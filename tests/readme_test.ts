/** README.md stays true: every flag and every native fault is documented. */
import assert from "node:assert/strict";
import { OPTIONS } from "../src/config/config.ts";
import { nativeFaults } from "../src/faults/registry.ts";
import { REPO } from "./kit/env.ts";

const readme = Deno.readTextFileSync(`${REPO}README.md`);

Deno.test("README documents every configuration flag with its env variable", () => {
  for (const o of OPTIONS) {
    assert.ok(readme.includes(`--${o.flag}`), `README lacks --${o.flag}`);
    assert.ok(readme.includes(o.env), `README lacks ${o.env}`);
  }
});

Deno.test("README's fault catalogue lists every native fault", () => {
  for (const name of nativeFaults().keys()) {
    assert.match(
      readme,
      new RegExp(`\\| [^|\\n]*${name}[^|\\n]*\\| native`),
      `README does not list ${name} as native`,
    );
  }
});
