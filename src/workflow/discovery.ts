/**
 * API discovery for the native `kubectl apply`/`kubectl delete` steps: maps a manifest's
 * apiVersion+kind, or a kubectl resource argument ("chaosengine", "chaosengines.litmuschaos.io",
 * "po", "deploy"), to a ResourceType. Lists are cached for a minute; a miss refreshes once, so a
 * CRD installed by an earlier step is found.
 *
 * @module
 */
import type { KubeClient } from "../kube/client.ts";
import type { ResourceType } from "../kube/resources.ts";

/** One entry of an APIResourceList, as the API server serves it. */
export interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  shortNames?: string[];
}

/** One group version's resources. */
export interface ResourceList {
  groupVersion: string;
  resources: ApiResource[];
}

function toType(groupVersion: string, r: ApiResource): ResourceType {
  const slash = groupVersion.indexOf("/");
  const group = slash < 0 ? "" : groupVersion.slice(0, slash);
  const version = slash < 0 ? groupVersion : groupVersion.slice(slash + 1);
  return { group, version, plural: r.name, kind: r.kind, namespaced: r.namespaced };
}

/** Finds `kind` in one group version's list. */
export function matchKind(list: ResourceList, kind: string): ResourceType | undefined {
  const r = list.resources.find((x) => !x.name.includes("/") && x.kind === kind);
  return r ? toType(list.groupVersion, r) : undefined;
}

/**
 * Resolves a kubectl resource argument against lists in preference order (core first). Accepts
 * plural, singular, short names and kinds, case-insensitively, optionally qualified by group
 * (`chaosengines.litmuschaos.io`) or version and group (`deployments.v1.apps`).
 */
export function matchName(lists: readonly ResourceList[], arg: string): ResourceType | undefined {
  const lower = arg.toLowerCase();
  const dot = lower.indexOf(".");
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const qualifier = dot < 0 ? undefined : lower.slice(dot + 1);
  for (const list of lists) {
    const t0 = toType(list.groupVersion, { name: "", namespaced: false, kind: "" });
    if (qualifier !== undefined && qualifier !== t0.group && qualifier !== `${t0.version}.${t0.group}`) {
      continue;
    }
    for (const r of list.resources) {
      if (r.name.includes("/")) continue;
      const names = [r.name, r.singularName, r.kind.toLowerCase(), ...(r.shortNames ?? [])];
      if (names.some((n) => n?.toLowerCase() === base)) return toType(list.groupVersion, r);
    }
  }
  return undefined;
}

const TTL_MS = 60_000;

/** Cached discovery against the API server (as the daemon: discovery is readable by every user). */
export class Discovery {
  readonly #lists = new Map<string, { at: number; list: ResourceList }>();
  #all: { at: number; groupVersions: string[] } | undefined;

  constructor(readonly client: KubeClient) {}

  async #list(groupVersion: string, fresh: boolean): Promise<ResourceList> {
    const hit = this.#lists.get(groupVersion);
    if (hit && !fresh && Date.now() - hit.at < TTL_MS) return hit.list;
    const path = groupVersion.includes("/") ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
    const list = await this.client.request<ResourceList>("GET", path);
    list.resources ??= [];
    this.#lists.set(groupVersion, { at: Date.now(), list });
    return list;
  }

  async #groupVersions(fresh: boolean): Promise<string[]> {
    if (this.#all && !fresh && Date.now() - this.#all.at < TTL_MS) return this.#all.groupVersions;
    const groups = await this.client.request<{ groups: { preferredVersion: { groupVersion: string } }[] }>(
      "GET",
      "/apis",
    );
    const groupVersions = ["v1", ...groups.groups.map((g) => g.preferredVersion.groupVersion)];
    this.#all = { at: Date.now(), groupVersions };
    return groupVersions;
  }

  /** The resource type of a manifest. Throws quoting apiVersion and kind when the server has none. */
  async forKind(apiVersion: string, kind: string): Promise<ResourceType> {
    for (const fresh of [false, true]) {
      try {
        const found = matchKind(await this.#list(apiVersion, fresh), kind);
        if (found) return found;
      } catch (err) {
        if (fresh) throw new Error(`no API for apiVersion "${apiVersion}": ${(err as Error).message}`);
      }
    }
    throw new Error(`the server has no resource of kind "${kind}" in "${apiVersion}"`);
  }

  /** The resource type of a kubectl resource argument. Throws quoting it when unknown. */
  async forName(arg: string): Promise<ResourceType> {
    for (const fresh of [false, true]) {
      const lists: ResourceList[] = [];
      for (const gv of await this.#groupVersions(fresh)) {
        lists.push(await this.#list(gv, fresh).catch(() => ({ groupVersion: gv, resources: [] })));
      }
      const found = matchName(lists, arg);
      if (found) return found;
    }
    throw new Error(`the server doesn't have a resource type "${arg}"`);
  }
}
