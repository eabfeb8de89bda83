/**
 * Undo records of faults, kept as annotations on the ChaosResult (one per record, written before the change
 * they describe): their keys, and reading them back after a crash.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ChaosResult } from "../kube/types.ts";
import type { RevertRecord } from "../faults/types.ts";

/** Annotation prefix of undo records; one annotation per record so writers never clobber each other. */
export const REVERT_PREFIX = "revert.chaoslet.io/";

/**
 * The annotation key of an undo record: the action (readable) and a hash of the full identity, so
 * records of targets whose names share a long prefix never collide. The record itself, stored as the
 * value, keeps the identity in full.
 */
export function revertKey(r: Pick<RevertRecord, "action" | "kind" | "namespace" | "name">): string {
  const identity = JSON.stringify([r.action, r.kind, r.namespace ?? "", r.name]);
  const hash = createHash("sha256").update(identity).digest("hex").slice(0, 40);
  const action = r.action.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 20).replace(/^-+|-+$/g, "");
  return REVERT_PREFIX + (action ? `${action}.${hash}` : hash);
}

/** The key versions before the hash used (cut at 63 characters): cleared too, so an upgrade mid-fault works. */
export function legacyRevertKey(r: RevertRecord): string {
  const raw = `${r.action}.${r.kind}.${r.namespace ?? ""}.${r.name}`.toLowerCase().replace(
    /[^a-z0-9.-]/g,
    "-",
  );
  return REVERT_PREFIX + raw.slice(0, 63).replace(/[-.]+$/, "");
}

/** Reads the undo records left on a result (e.g. by a run that crashed). */
export function revertRecords(result: ChaosResult | undefined): RevertRecord[] {
  const out: RevertRecord[] = [];
  for (const [k, v] of Object.entries(result?.metadata.annotations ?? {})) {
    if (!k.startsWith(REVERT_PREFIX)) continue;
    try {
      out.push(JSON.parse(v));
    } catch { /* a corrupt record cannot be acted on; it stays visible for a human */ }
  }
  return out;
}
