import assert from "node:assert/strict";
import { parseCron } from "./cron_parse.ts";

Deno.test("parseCron() expands lists, ranges and steps", () => {
  const s = parseCron("1,5-11/3,*/20 0-23/6 1-5 */4 *");
  assert.deepEqual(s.minutes, [0, 1, 5, 8, 11, 20, 40]);
  assert.deepEqual(s.hours, [0, 6, 12, 18]);
  assert.deepEqual(s.daysOfMonth, [1, 2, 3, 4, 5]);
  assert.deepEqual(s.months, [1, 5, 9]);
  assert.equal(s.daysOfWeek.length, 7);
});

Deno.test("parseCron() reads N/step as N-max/step, as robfig does", () => {
  assert.deepEqual(parseCron("50/3 * * * *").minutes, [50, 53, 56, 59]);
  assert.deepEqual(parseCron("* * * * 1/2").daysOfWeek, [1, 3, 5]); // never reaches 7, so no Sunday
});

Deno.test("parseCron() accepts month and day names in any case, and in ranges", () => {
  const s = parseCron("0 0 * jan-MAR,Dec mon-FRI");
  assert.deepEqual(s.months, [1, 2, 3, 12]);
  assert.deepEqual(s.daysOfWeek, [1, 2, 3, 4, 5]);
});

Deno.test("parseCron() refuses day-of-week 7, as Argo's parser (robfig/cron) does, and treats ? as *", () => {
  // Argo refuses "0 0 * * 7" ("end of range (7) above maximum (6)"): a schedule Argo cannot run is refused here too.
  assert.throws(
    () => parseCron("0 0 * * 7"),
    /day-of-week field "7": 7 is above the maximum 6 \(Sunday is 0 or SUN\)/,
  );
  assert.throws(() => parseCron("0 0 * * 5-7"), /day-of-week field "5-7": 7 is above the maximum 6/);
  assert.deepEqual(parseCron("0 0 * * 5-6,0").daysOfWeek, [0, 5, 6]);
  const q = parseCron("0 0 ? * ?");
  assert.equal(q.daysOfMonth.length, 31);
  assert.ok(q.domStar && q.dowStar);
});

Deno.test("parseCron() sets the star flag only for * and ? without a step above 1", () => {
  assert.equal(parseCron("0 0 * * 1").domStar, true);
  assert.equal(parseCron("0 0 */1 * 1").domStar, true);
  assert.equal(parseCron("0 0 */2 * 1").domStar, false);
  assert.equal(parseCron("0 0 1-31 * 1").domStar, false);
});

Deno.test("parseCron() expands the macros to their 5-field forms", () => {
  const fields = (expr: string) => {
    const { source: _source, ...rest } = parseCron(expr);
    return rest;
  };
  assert.deepEqual(fields("@yearly"), fields("0 0 1 1 *"));
  assert.deepEqual(fields("@annually"), fields("0 0 1 1 *"));
  assert.deepEqual(fields("@monthly"), fields("0 0 1 * *"));
  assert.deepEqual(fields("@weekly"), fields("0 0 * * 0"));
  assert.deepEqual(fields("@daily"), fields("0 0 * * *"));
  assert.deepEqual(fields("@midnight"), fields("0 0 * * *"));
  assert.deepEqual(fields("@hourly"), fields("0 * * * *"));
  assert.equal(parseCron("  @hourly ").source, "  @hourly ");
});

Deno.test("parseCron() rejects bad input with a SyntaxError naming the field and the token", () => {
  const cases: [string, RegExp][] = [
    ["", /empty schedule/],
    ["* * * *", /expected 5 fields .* found 4/],
    ["0 0 * * * *", /found 6/],
    ["60 * * * *", /minute field "60": 60 is above the maximum 59/],
    ["* 24 * * *", /hour field "24"/],
    ["* * 0 * *", /day-of-month field "0": 0 is below the minimum 1/],
    ["* * * 13 *", /month field "13"/],
    ["* * * * 8", /day-of-week field "8": 8 is above the maximum 6/],
    ["5-1 * * * *", /minute field "5-1": range start 5 is after its end 1/],
    ["*/0 * * * *", /minute field "\*\/0": step must be a positive integer/],
    ["*/x * * * *", /step must be a positive integer/],
    ["1/2/3 * * * *", /too many slashes/],
    ["1-2-3 * * * *", /too many hyphens/],
    ["1,,2 * * * *", /minute field "1,,2": empty list element/],
    ["-1 * * * *", /minute field "-1": missing number/],
    ["1- * * * *", /minute field "1-": missing number/],
    ["x * * * *", /minute field "x": not a number$/],
    ["* * * FOO *", /month field "FOO": not a number or a name JAN-DEC/],
    ["* * * * MON-FOO", /day-of-week field "FOO": not a number or a name SUN-SAT/],
    ["* * * JAN-MON *", /month field "MON"/],
    ["*-5 * * * *", /range cannot start with a wildcard/],
    ["@DAILY", /unknown macro "@DAILY"/],
    ["@reboot", /unknown macro "@reboot"/],
  ];
  for (const [expr, message] of cases) {
    assert.throws(() => parseCron(expr), (e: Error) => {
      assert.ok(e instanceof SyntaxError, `${expr}: ${e}`);
      assert.match(e.message, message);
      assert.ok(e.message.includes(JSON.stringify(expr)), `${e.message} quotes the expression`);
      return true;
    });
  }
});

Deno.test("parseCron() rejects @every and a TZ prefix, which CronJob schedules do not take", () => {
  assert.throws(() => parseCron("@every 5m"), /@every is not supported/);
  assert.throws(() => parseCron("TZ=UTC 0 * * * *"), /TZ= or CRON_TZ= prefix is not allowed.*timeZone field/);
  assert.throws(() => parseCron("CRON_TZ=Europe/Berlin 0 * * * *"), SyntaxError);
});

Deno.test("parseCron() rejects a day that never exists but keeps Feb 29 and the OR rule", () => {
  assert.throws(() => parseCron("0 0 30 2 *"), /day-of-month field "30" never occurs in month field "2"/);
  assert.throws(() => parseCron("0 0 31 4,6,9,11 *"), SyntaxError);
  assert.doesNotThrow(() => parseCron("0 0 29 2 *"));
  assert.doesNotThrow(() => parseCron("0 0 30 2 1")); // dom OR dow: every Monday in February
  assert.doesNotThrow(() => parseCron("0 0 31 4,5 *"));
});
