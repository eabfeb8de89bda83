/**
 * The resolvers of the ChaosCenter protocol test server, written from
 * /work/shared/reference/chaoscenter.md (§2.3 identity and version rules, §3.1-3.7 mutations,
 * §6.4 executionData, §6.6 scoring): the same answers and errors the real server gives, plus a
 * list of `violations` — things the real server would choke on (an `updatedBy` that would make it
 * exit, executionData its Go struct rejects) — that tests assert to be empty.
 *
 * @module
 */

export interface Identity {
  infraID: string;
  accessKey: string;
  version: string;
}

export interface RunRecord {
  experimentID: string;
  experimentRunID: string;
  notifyID?: string;
  completed: boolean;
  /** Every accepted executionData, decoded, in order. */
  events: Record<string, unknown>[];
  /** Every accepted request (executionData decoded) in order. */
  requests: Record<string, unknown>[];
  resiliencyScore?: number;
}

type Answer = { data: unknown } | { error: string };

const STRING_KEYS = ["experimentType", "experimentID", "revisionID", "eventType", "uid", "namespace", "name"]
  .concat(["creationTimestamp", "startedAt", "finishedAt", "phase", "message"]);
const NODE_KEYS = ["name", "phase", "message", "startedAt", "finishedAt", "type"];
const CHAOS_KEYS = [
  "engineUID",
  "engineName",
  "namespace",
  "experimentName",
  "experimentStatus",
  "lastUpdatedAt",
]
  .concat(["experimentVerdict", "experimentPod", "runnerPod", "probeSuccessPercentage", "failStep"]);

/** 32 random bytes as URL-safe base64 with padding: 44 chars, like the server's new keys. */
function newKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_");
}

function decodeStdBase64(s: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

export class CenterState {
  key: string;
  confirmed = false;
  /** Every key this infra ever had, oldest first. */
  readonly keys: string[] = [];
  confirmCalls = 0;
  readonly violations: string[] = [];
  /** experiment ID → revision ID → fault name → weight. */
  readonly experiments = new Map<string, Map<string, Record<string, number>>>();
  readonly runs = new Map<string, RunRecord>();
  readonly pending = new Map<string, (value: unknown) => void>();

  constructor(readonly serverVersion: string, readonly infraId: string, installKey: string) {
    this.key = installKey;
    this.keys.push(installKey);
  }

  confirm(id: Identity): Answer {
    this.confirmCalls++;
    if (id.version !== this.serverVersion) {
      return { error: `ERROR: INFRA VERSION MISMATCH (need ${this.serverVersion} got ${id.version})` };
    }
    if (id.infraID !== this.infraId) return { error: "mongo: no documents in result" };
    if (id.accessKey !== this.key) {
      return { data: { isInfraConfirmed: false, newAccessKey: null, infraID: null } };
    }
    this.key = newKey();
    this.keys.push(this.key);
    this.confirmed = true;
    return { data: { isInfraConfirmed: true, newAccessKey: this.key, infraID: this.infraId } };
  }

  /** VerifyInfra (§2.3); returns the error message, or undefined when the identity is accepted. */
  verify(id: Identity): string | undefined {
    const sv = this.serverVersion;
    if (sv.includes("ci")) {
      if (id.version !== sv) return `ERROR: infra VERSION MISMATCH (need ${sv} got ${id.version})`;
    } else {
      const p = id.version.split(".");
      if (p.length !== 3 || p[0] !== sv.split(".")[0]) {
        return `ERROR: infra VERSION MISMATCH (need ${sv.split(".")[0]}.x.x got ${id.version})`;
      }
    }
    if (id.infraID !== this.infraId) return "mongo: no documents in result";
    if (id.accessKey !== this.key || !this.confirmed) return "ERROR:  accessID MISMATCH";
    return undefined;
  }

  #checkExecution(data: Record<string, unknown>): string[] {
    const errs: string[] = [];
    for (const k of STRING_KEYS) {
      if (typeof data[k] !== "string") errs.push(`executionData.${k} is not a string`);
    }
    if (data.experimentType !== "events" && data.experimentType !== "chaosengine") {
      errs.push(
        `executionData.experimentType ${
          JSON.stringify(data.experimentType)
        } is neither events nor chaosengine`,
      );
    }
    for (const k of ["creationTimestamp", "startedAt", "finishedAt"]) {
      if (typeof data[k] === "string" && !/^\d*$/.test(data[k] as string)) {
        errs.push(`executionData.${k} is not Unix seconds`);
      }
    }
    const nodes = data.nodes as Record<string, Record<string, unknown>> | undefined;
    if (!nodes || typeof nodes !== "object") return [...errs, "executionData.nodes is not an object"];
    for (const [id, n] of Object.entries(nodes)) {
      for (const k of NODE_KEYS) if (typeof n[k] !== "string") errs.push(`nodes.${id}.${k} is not a string`);
      if (n.children !== null && n.children !== undefined && !Array.isArray(n.children)) {
        errs.push(`nodes.${id}.children`);
      }
      const cd = n.chaosData as Record<string, unknown> | undefined;
      if (cd) {
        for (const k of CHAOS_KEYS) {
          if (typeof cd[k] !== "string") errs.push(`nodes.${id}.chaosData.${k} is not a string`);
        }
      }
      if (n.type === "ChaosEngine" && !cd && n.phase !== "Pending") {
        errs.push(`nodes.${id}: ChaosEngine node without chaosData`);
      }
    }
    return errs;
  }

  /** chaosExperimentRun (§3.3). */
  run(req: Record<string, unknown>): Answer {
    const experimentID = String(req.experimentID);
    const runID = String(req.experimentRunID);
    if (experimentID === "") {
      this.violations.push("chaosExperimentRun with an empty experimentID (a junk event)");
    }
    if (!this.experiments.has(experimentID)) {
      return {
        data: `no experiment found with experimentID: ${experimentID}, experiment run discarded: ${runID}`,
      };
    }
    const text = decodeStdBase64(String(req.executionData));
    if (text === undefined) return { error: "executionData is not standard base64" };
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(text);
    } catch (err) {
      return { error: `executionData: ${(err as Error).message}` };
    }
    const shape = this.#checkExecution(data);
    if (shape.length) {
      this.violations.push(...shape);
      return { error: `json: cannot unmarshal executionData: ${shape[0]}` };
    }
    const updatedBy = String(req.updatedBy);
    if (updatedBy && !(/^[A-Za-z0-9_-]*$/.test(updatedBy) && updatedBy.length % 4 !== 1)) {
      // logrus.Fatalf: the whole server would exit.
      this.violations.push(
        `updatedBy ${JSON.stringify(updatedBy)} is not raw URL-safe base64: the server would exit`,
      );
      return { error: "server exited" };
    }
    const notifyID = req.notifyID ? String(req.notifyID) : undefined;
    const key = `${experimentID}/${notifyID ?? runID}`;
    let rec = this.runs.get(key);
    if (rec?.completed) {
      return {
        error:
          `experiment run has been discarded due the duplicate event, workflowId: ${experimentID}, workflowRunId: ${runID}`,
      };
    }
    rec ??= { experimentID, experimentRunID: runID, notifyID, completed: false, events: [], requests: [] };
    this.runs.set(key, rec);
    rec.experimentRunID = runID;
    rec.events.push(data);
    rec.requests.push({ ...req, executionData: data });
    if (req.completed === true) {
      rec.completed = true;
      rec.resiliencyScore = this.#score(experimentID, String(req.revisionID), data);
    }
    return {
      data: `Experiment run received for for ExperimentID: ${experimentID}, ExperimentRunID: ${runID}`,
    };
  }

  /** §6.6: weight × probeSuccessPercentage of each fault whose name is in chaosData.engineName. */
  #score(experimentID: string, revisionID: string, data: Record<string, unknown>): number {
    const weights = this.experiments.get(experimentID)?.get(revisionID) ?? {};
    let sum = 0, total = 0;
    for (const n of Object.values(data.nodes as Record<string, { chaosData?: Record<string, string> }>)) {
      const cd = n.chaosData;
      if (!cd) continue;
      for (const [fault, w] of Object.entries(weights)) {
        if (!cd.engineName.includes(fault)) continue;
        sum += w * Number(cd.probeSuccessPercentage || 0);
        total += w;
      }
    }
    return total ? sum / total : 0;
  }

  /** podLog / kubeObj / kubeNamespace (§3.4-3.6). */
  reply(field: string, req: Record<string, unknown>): Answer {
    const bad = this.verify(req.infraID as Identity);
    if (bad) return { error: bad };
    const waiting = this.pending.get(String(req.requestID));
    const payload = String(req[field === "podLog" ? "log" : field]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      parsed = undefined;
    }
    if (field === "kubeObj" && waiting) {
      const o = parsed as { namespace?: unknown; data?: { name?: unknown; labels?: unknown }[] } | undefined;
      const ok = o && typeof o.namespace === "string" && Array.isArray(o.data) &&
        o.data.every((d) =>
          typeof d.name === "string" && (d.labels === undefined || Array.isArray(d.labels))
        );
      if (!ok) return { error: `failed to unmarshal kubeObj data ${payload.slice(0, 80)}` };
    }
    if (field === "kubeNamespace" && waiting) {
      const ok = Array.isArray(parsed) && parsed.every((n) => typeof n?.name === "string");
      if (!ok) return { error: `failed to unmarshal kubeNamespace data ${payload.slice(0, 80)}` };
    }
    if (field === "podLog" && typeof (parsed as { mainLogs?: unknown })?.mainLogs !== "string") {
      this.violations.push(`podLog log is not JSON with mainLogs: ${payload.slice(0, 80)}`);
    }
    if (!waiting) {
      return { data: field === "podLog" ? "LOG REQUEST CANCELLED" : "KubeData sent successfully" };
    }
    this.pending.delete(String(req.requestID));
    waiting({ ...req, parsed });
    return { data: field === "podLog" ? "LOGS SENT SUCCESSFULLY" : "KubeData sent successfully" };
  }

  /** The project's GitOps setting; when on, `onGitops` plays the server's `create` push. */
  gitopsEnabled = false;
  onGitops?: (experimentID: string) => void;

  gitops(identity: Identity, experimentID: string): Answer {
    const bad = this.verify(identity);
    if (bad) return { error: bad };
    if (!this.gitopsEnabled) return { data: "GitOps Disabled" };
    if (!this.experiments.has(experimentID)) return { error: "no such experiment found" };
    setTimeout(() => this.onGitops?.(experimentID), 0);
    return { data: `Request Acknowledged for experimentID: ${experimentID}` };
  }
}
