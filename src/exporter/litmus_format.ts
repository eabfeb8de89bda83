/**
 * Number parsing and formatting that must behave like the Go chaos-exporter, because its
 * output ends up in label values that dashboards and alerts match on exactly.
 *
 * @module
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  "inf": Infinity,
  "+inf": Infinity,
  "-inf": -Infinity,
  "infinity": Infinity,
  "+infinity": Infinity,
  "-infinity": -Infinity,
  "nan": NaN,
};

/**
 * `status.experimentStatus.probeSuccessPercentage` as a number: 0 while it is "Awaited" or
 * empty, like the exporter's getProbeSuccessPercentage.
 *
 * Upstream, a value Go's strconv.ParseFloat rejects aborts the whole metrics pass (every
 * series goes stale); one malformed ChaosResult should not do that here, so it reads as 0.
 * Unlike `Number()`, this refuses what ParseFloat refuses (spaces, "0x10", "1_0").
 */
export function parseProbeSuccessPercentage(value: string | undefined): number {
  if (value === undefined || value === "" || value === "Awaited") return 0;
  if (DECIMAL.test(value)) return Number(value);
  return SPECIAL[value.toLowerCase()] ?? 0;
}

/** Formats like Go's `fmt.Sprintf("%f", x)`: six decimals, never exponent notation. */
export function formatGoFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  // Every double this large is an integer; toFixed would switch to exponent notation.
  if (Math.abs(x) >= 1e21) return `${BigInt(x)}.000000`;
  // toFixed already keeps the sign of tiny negatives ("-0.000000") but drops that of -0; Go keeps both.
  return Object.is(x, -0) ? "-0.000000" : x.toFixed(6);
}
