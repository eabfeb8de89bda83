import assert from "node:assert/strict";
import { missedFireTimes, nextFireTime } from "./cron.ts";
import { parseCron } from "./cron_parse.ts";

/** nextFireTime from an ISO instant, returned as an ISO instant in UTC. */
function next(expr: string, after: string, tz = "UTC"): string {
  return nextFireTime(parseCron(expr), new Date(after), tz).toISOString();
}

/** The first `n` fire times after `after`, chained through nextFireTime. */
function series(expr: string, after: string, n: number, tz = "UTC"): string[] {
  const schedule = parseCron(expr);
  const out: string[] = [];
  let t = new Date(after);
  for (let i = 0; i < n; i++) out.push((t = nextFireTime(schedule, t, tz)).toISOString());
  return out;
}

const iso = (s: string) => new Date(s).toISOString();

Deno.test("nextFireTime() returns the first minute strictly after the given instant", () => {
  assert.equal(next("*/15 * * * *", "2024-05-01T10:07:30Z"), "2024-05-01T10:15:00.000Z");
  assert.equal(next("*/15 * * * *", "2024-05-01T10:15:00Z"), "2024-05-01T10:30:00.000Z");
  assert.equal(next("*/15 * * * *", "2024-05-01T10:14:59.999Z"), "2024-05-01T10:15:00.000Z");
  assert.equal(next("* * * * *", "2024-12-31T23:59:00Z"), "2025-01-01T00:00:00.000Z");
  assert.equal(next("@yearly", "2024-01-01T00:00:00Z"), "2025-01-01T00:00:00.000Z");
  assert.equal(next("@weekly", "2024-05-01T00:00:00Z"), "2024-05-05T00:00:00.000Z"); // a Sunday
});

Deno.test("nextFireTime() fires when either day field matches if both are restricted", () => {
  // 13th of the month OR Friday: Fri 2024-09-06, Fri 09-13 (both), Fri 09-20, Fri 09-27, Sun 10-13 is a 13th.
  assert.deepEqual(series("0 0 13 * 5", "2024-09-01T00:00:00Z", 6), [
    "2024-09-06T00:00:00.000Z",
    "2024-09-13T00:00:00.000Z",
    "2024-09-20T00:00:00.000Z",
    "2024-09-27T00:00:00.000Z",
    "2024-10-04T00:00:00.000Z",
    "2024-10-11T00:00:00.000Z",
  ]);
  assert.equal(next("0 0 13 * 5", "2024-10-11T00:00:00Z"), "2024-10-13T00:00:00.000Z");
  // "*/10" restricts the day-of-month in robfig (no star bit), so Mondays OR days 1, 11, 21, 31 fire.
  assert.deepEqual(series("0 0 */10 * 1", "2024-07-01T00:00:00Z", 4), [
    "2024-07-08T00:00:00.000Z",
    "2024-07-11T00:00:00.000Z",
    "2024-07-15T00:00:00.000Z",
    "2024-07-21T00:00:00.000Z",
  ]);
});

Deno.test("nextFireTime() needs both day fields when one is *", () => {
  assert.deepEqual(series("0 0 * * FRI", "2024-09-01T00:00:00Z", 2), [
    "2024-09-06T00:00:00.000Z",
    "2024-09-13T00:00:00.000Z",
  ]);
  assert.deepEqual(series("30 6 13 * ?", "2024-09-01T00:00:00Z", 2), [
    "2024-09-13T06:30:00.000Z",
    "2024-10-13T06:30:00.000Z",
  ]);
});

Deno.test("nextFireTime() honours the timezone", () => {
  assert.equal(next("0 9 * * *", "2024-01-01T00:00:00Z", "Asia/Kolkata"), "2024-01-01T03:30:00.000Z");
  assert.equal(next("0 9 * * *", "2024-01-01T04:00:00Z", "Asia/Kolkata"), "2024-01-02T03:30:00.000Z");
  assert.equal(next("0 0 1 * *", "2024-06-15T00:00:00Z", "America/Los_Angeles"), "2024-07-01T07:00:00.000Z");
  // The local date decides the day: 23:30 UTC on the 31st is already the 1st in Tokyo.
  assert.equal(next("0 12 1 * *", "2024-05-31T23:30:00Z", "Asia/Tokyo"), "2024-06-01T03:00:00.000Z");
});

Deno.test("nextFireTime() honours the timezone across DST like robfig (America/New_York)", () => {
  // Vectors from robfig/cron's own TestNext; spring forward 2012-03-11, fall back 2012-11-04.
  const ny: [string, string, string][] = [
    ["2012-03-11T00:00:00-05:00", "30 2 11 Mar ?", "2013-03-11T02:30:00-04:00"],
    ["2012-03-11T00:00:00-05:00", "0 * * * ?", "2012-03-11T01:00:00-05:00"],
    ["2012-03-11T01:00:00-05:00", "0 * * * ?", "2012-03-11T03:00:00-04:00"],
    ["2012-03-11T03:00:00-04:00", "0 * * * ?", "2012-03-11T04:00:00-04:00"],
    ["2012-03-11T01:00:00-05:00", "0 1 * * ?", "2012-03-12T01:00:00-04:00"],
    ["2012-03-11T00:00:00-05:00", "0 2 * * ?", "2012-03-12T02:00:00-04:00"], // skipped, not moved to 03:00
    ["2012-11-04T00:00:00-04:00", "30 2 04 Nov ?", "2012-11-04T02:30:00-05:00"],
    ["2012-11-04T01:45:00-04:00", "30 1 04 Nov ?", "2012-11-04T01:30:00-05:00"],
    ["2012-11-04T00:00:00-04:00", "0 * * * ?", "2012-11-04T01:00:00-04:00"],
    ["2012-11-04T01:00:00-04:00", "0 * * * ?", "2012-11-04T01:00:00-05:00"],
    ["2012-11-04T01:00:00-05:00", "0 * * * ?", "2012-11-04T02:00:00-05:00"],
    ["2012-11-04T00:00:00-04:00", "0 1 * * ?", "2012-11-04T01:00:00-04:00"],
    ["2012-11-04T01:00:00-04:00", "0 1 * * ?", "2012-11-04T01:00:00-05:00"], // robfig: "runs twice"
    ["2012-11-04T01:00:00-05:00", "0 1 * * ?", "2012-11-05T01:00:00-05:00"],
    ["2012-11-04T00:00:00-04:00", "0 2 * * ?", "2012-11-04T02:00:00-05:00"],
    ["2012-11-04T02:00:00-05:00", "0 2 * * ?", "2012-11-05T02:00:00-05:00"],
    ["2012-11-04T00:00:00-04:00", "0 3 * * ?", "2012-11-04T03:00:00-05:00"],
  ];
  for (const [after, expr, want] of ny) {
    assert.equal(next(expr, after, "America/New_York"), iso(want), `${expr} after ${after}`);
  }
});

Deno.test("nextFireTime() skips wall times in a 30-minute DST gap (Australia/Lord_Howe)", () => {
  // 2024-10-06 02:00 LHST (+10:30) jumps to 02:30 LHDT (+11:00): 02:00-02:29 never exist that night.
  assert.deepEqual(
    series("0,15,30,45 2 * * *", "2024-10-05T20:00:00+10:30", 6, "Australia/Lord_Howe"),
    [
      "2024-10-06T02:30:00+11:00",
      "2024-10-06T02:45:00+11:00",
      "2024-10-07T02:00:00+11:00",
      "2024-10-07T02:15:00+11:00",
      "2024-10-07T02:30:00+11:00",
      "2024-10-07T02:45:00+11:00",
    ].map(iso),
  );
});

Deno.test("nextFireTime() skips whole months and years instead of scanning minutes", () => {
  // 2100 and 2200 are not leap years, so Feb 29 after 2096 is 2104: seven years away.
  assert.equal(next("0 0 29 2 *", "2096-03-01T00:00:00Z"), "2104-02-29T00:00:00.000Z");
  const s = parseCron("59 23 29 2 *");
  const started = performance.now();
  let t = new Date("2000-01-01T00:00:00Z");
  for (let i = 0; i < 50; i++) t = nextFireTime(s, t, "Europe/Berlin");
  assert.equal(t.toISOString(), "2204-02-29T22:59:00.000Z");
  // A minute-by-minute scan would take minutes here; day skipping needs milliseconds.
  assert.ok(performance.now() - started < 2000, `50 leap-day lookups took ${performance.now() - started} ms`);
});

Deno.test("nextFireTime() rejects an unknown zone or an invalid Date with a RangeError", () => {
  const s = parseCron("* * * * *");
  assert.throws(() => nextFireTime(s, new Date(), "Mars/Olympus_Mons"), {
    name: "RangeError",
    message: /Unknown time zone "Mars\/Olympus_Mons"/,
  });
  assert.throws(() => nextFireTime(s, new Date(), "+05:30"), { name: "RangeError", message: /"\+05:30"/ });
  assert.throws(() => nextFireTime(s, new Date(), ""), RangeError);
  assert.throws(() => nextFireTime(s, new Date("nope"), "UTC"), {
    name: "RangeError",
    message: /after must be a valid Date/,
  });
});

Deno.test("missedFireTimes() lists the fire times in (last, now]", () => {
  const s = parseCron("*/10 * * * *");
  const { times, total } = missedFireTimes(
    s,
    new Date("2024-05-01T10:00:00Z"),
    new Date("2024-05-01T10:40:00Z"),
    "UTC",
    100,
  );
  assert.equal(total, 4);
  assert.deepEqual(times.map((t) => t.toISOString()), [
    "2024-05-01T10:10:00.000Z",
    "2024-05-01T10:20:00.000Z",
    "2024-05-01T10:30:00.000Z",
    "2024-05-01T10:40:00.000Z",
  ]);
  const none = missedFireTimes(
    s,
    new Date("2024-05-01T10:00:00Z"),
    new Date("2024-05-01T10:09:59Z"),
    "UTC",
    100,
  );
  assert.deepEqual(none, { times: [], total: 0 });
  assert.deepEqual(
    missedFireTimes(s, new Date("2024-05-02T00:00:00Z"), new Date("2024-05-01T00:00:00Z"), "UTC", 5),
    {
      times: [],
      total: 0,
    },
  );
});

Deno.test("missedFireTimes() keeps the most recent `limit` times and counts them all", () => {
  const { times, total } = missedFireTimes(
    parseCron("* * * * *"),
    new Date("2024-05-01T00:00:00Z"),
    new Date("2024-05-02T00:00:30Z"),
    "UTC",
    100,
  );
  assert.equal(total, 1440);
  assert.equal(times.length, 100);
  assert.equal(times[0].toISOString(), "2024-05-01T22:21:00.000Z");
  assert.equal(times[99].toISOString(), "2024-05-02T00:00:00.000Z");
});

Deno.test("missedFireTimes() counts both passes of a repeated hour and none of a skipped one", () => {
  const s = parseCron("30 1,2 * * *");
  const ny = "America/New_York";
  const fall = missedFireTimes(
    s,
    new Date("2012-11-04T00:00:00-04:00"),
    new Date("2012-11-04T12:00:00-05:00"),
    ny,
    10,
  );
  assert.deepEqual(
    fall.times.map((t) => t.toISOString()),
    [
      "2012-11-04T01:30:00-04:00",
      "2012-11-04T01:30:00-05:00",
      "2012-11-04T02:30:00-05:00",
    ].map(iso),
  );
  const spring = missedFireTimes(
    s,
    new Date("2012-03-11T00:00:00-05:00"),
    new Date("2012-03-11T12:00:00-04:00"),
    ny,
    10,
  );
  assert.deepEqual(spring.times.map((t) => t.toISOString()), [iso("2012-03-11T01:30:00-05:00")]);
});

Deno.test("missedFireTimes() rejects a limit that is not a positive integer", () => {
  const s = parseCron("* * * * *");
  for (const limit of [0, -1, 1.5, NaN]) {
    assert.throws(() => missedFireTimes(s, new Date(0), new Date(60_000), "UTC", limit), {
      name: "RangeError",
      message: new RegExp(`limit must be a positive integer, got ${limit}`),
    });
  }
});

/** Reference semantics by brute force: scan every minute and read its wall clock in the zone. */
function bruteNext(expr: string, after: Date, tz: string): string {
  const s = parseCron(expr);
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    weekday: "short",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  for (let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;; t += 60_000) {
    const p = Object.fromEntries(fmt.formatToParts(t).map((x) => [x.type, x.value]));
    const dom = s.daysOfMonth.includes(Number(p.day));
    const dow = s.daysOfWeek.includes(["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(p.weekday));
    const day = s.domStar || s.dowStar ? dom && dow : dom || dow;
    if (
      s.months.includes(Number(p.month)) && day && s.hours.includes(Number(p.hour)) &&
      s.minutes.includes(Number(p.minute))
    ) {
      return new Date(t).toISOString();
    }
  }
}

Deno.test("nextFireTime() agrees with a minute-by-minute scan around DST transitions", () => {
  let seed = 42;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const exprs = [
    "*/7 * * * *",
    "0,30 1-3 * * *",
    "15 2 * * *",
    "45 0,1,23 * * *",
    "5 * 1-10 * 0",
    "0 */5 * * *",
  ];
  const around = [
    ["America/New_York", "2024-03-10T07:00:00Z"],
    ["America/New_York", "2024-11-03T06:00:00Z"],
    ["Europe/Berlin", "2024-10-27T01:00:00Z"],
    ["Australia/Lord_Howe", "2024-04-06T15:00:00Z"], // 30-minute fall back
    ["Asia/Kolkata", "2024-03-10T00:00:00Z"],
  ];
  for (let i = 0; i < 60; i++) {
    const [tz, transition] = around[rand(around.length)];
    const expr = exprs[rand(exprs.length)];
    const after = new Date(Date.parse(transition) + (rand(48 * 60) - 24 * 60) * 60_000 + rand(60_000));
    assert.equal(
      next(expr, after.toISOString(), tz),
      bruteNext(expr, after, tz),
      `${expr} after ${after.toISOString()} in ${tz}`,
    );
  }
});
