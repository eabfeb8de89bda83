/**
 * prom-client, as much of it as the daemon uses: Registry, Counter, Gauge and Histogram, each imported from its
 * own file. The package's index also loads the Pushgateway (node:http, node:https), the cluster aggregator,
 * Summary (tdigest, bintrees) and every default-metric collector; importing it cost 2–3 MiB more RSS than
 * these four files (measured side by side, isolated imports). Types come from the package's declarations.
 *
 * @module
 */
import type * as PromClient from "prom-client";
import RegistryImpl from "prom-client/lib/registry.js";
import CounterImpl from "prom-client/lib/counter.js";
import GaugeImpl from "prom-client/lib/gauge.js";
import HistogramImpl from "prom-client/lib/histogram.js";

export const Registry = RegistryImpl as typeof PromClient.Registry;
export type Registry = PromClient.Registry;
export const Counter = CounterImpl as typeof PromClient.Counter;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export const Gauge = GaugeImpl as typeof PromClient.Gauge;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export const Histogram = HistogramImpl as typeof PromClient.Histogram;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;
