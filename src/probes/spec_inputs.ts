/**
 * The per-type inputs of a probe (`httpProbe/inputs`, `cmdProbe/inputs`, `k8sProbe/inputs`,
 * `promProbe/inputs`, litmus.md §6.2) and their validation.
 *
 * @module
 */
import { parseYamlDocuments } from "../util/yaml.ts";
import type { Comparator } from "./comparator.ts";
import { isObj, type Obj, pick, type Reader, show } from "./spec_reader.ts";
import { ProbeSpecError } from "./types.ts";

export const K8S_OPERATIONS = ["present", "absent", "create", "delete"] as const;

export interface HttpInputs {
  url: string;
  insecureSkipVerify: boolean;
  method: "GET" | "POST";
  /** Status-code comparison (int comparator). */
  responseCode: Comparator;
  /** Optional response-body comparison (string comparator). */
  responseBody?: Comparator;
  contentType?: string;
  body?: string;
  bodyPath?: string;
  headers: Record<string, string>;
}

export interface CmdSource {
  image: string;
  /** The raw source object: labels, env, command, args, privileged, hostNetwork, ... */
  raw: Record<string, unknown>;
}

export interface CmdInputs {
  command: string;
  comparator: Comparator;
  source?: CmdSource;
}

export interface K8sInputs {
  group: string;
  version: string;
  resource: string;
  namespace: string;
  resourceNames: string;
  fieldSelector: string;
  labelSelector: string;
  operation: typeof K8S_OPERATIONS[number];
  /** The manifest of `create`, as written. */
  data?: string;
}

export interface PromInputs {
  endpoint: string;
  query?: string;
  queryPath?: string;
  comparator: Comparator;
}

function headersOf(r: Reader, raw: unknown, path: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  const out: Record<string, string> = {};
  // Both the list form ([{key, value}]) and a plain map are accepted.
  if (Array.isArray(raw)) {
    raw.forEach((h, i) => {
      if (!isObj(h)) r.fail(`${path}[${i}] must be an object, got ${show(h)}`);
      out[r.str(h, "key", `${path}[${i}].key`, true)!] = r.str(h, "value", `${path}[${i}].value`) ?? "";
    });
    return out;
  }
  if (!isObj(raw)) r.fail(`${path} must be a list of {key, value} or a map, got ${show(raw)}`);
  for (const k of Object.keys(raw)) out[k] = r.str(raw, k, `${path}.${k}`) ?? "";
  return out;
}

export function httpInputs(r: Reader, p: Obj): HttpInputs {
  const base = "httpProbe/inputs";
  const inp = r.obj(p, base, base)!;
  const url = r.str(inp, "url", `${base}.url`, true)!;
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      r.fail(`${base}.url ${show(url)} must be http or https`);
    }
  } catch (err) {
    if (err instanceof ProbeSpecError) throw err;
    // A templated URL ({{ .probe.ProbeArtifacts.Register }}) is only known at run time.
    if (!url.includes("{{")) r.fail(`${base}.url ${show(url)} is not a valid URL`);
  }
  const method = r.obj(inp, "method", `${base}.method`)!;
  const get = r.obj(method, "get", `${base}.method.get`, false);
  const post = r.obj(method, "post", `${base}.method.post`, false);
  // Litmus: any non-empty `get` means GET, otherwise POST.
  const isGet = get !== undefined && Object.keys(get).length > 0;
  const m = isGet ? get : post;
  const mPath = `${base}.method.${isGet ? "get" : "post"}`;
  if (!m) r.fail(`${base}.method needs a non-empty get or post`);
  const responseCode = r.comparator(
    { criteria: m.criteria, value: m.responseCode },
    mPath,
    "int",
  );
  const rb = m.responseBody;
  let responseBody: Comparator | undefined;
  if (isObj(rb)) responseBody = r.comparator(rb, `${mPath}.responseBody`, "string");
  else if (rb !== undefined && rb !== null && rb !== "") {
    // A bare string means "the body contains it".
    responseBody = r.comparator({ criteria: "contains", value: rb }, `${mPath}.responseBody`, "string");
  }
  const out: HttpInputs = {
    url,
    insecureSkipVerify: r.bool(inp, "insecureSkipVerify", `${base}.insecureSkipVerify`),
    method: isGet ? "GET" : "POST",
    responseCode,
    responseBody,
    headers: headersOf(r, inp.headers, `${base}.headers`),
  };
  if (!isGet) {
    out.contentType = r.str(m, "contentType", `${mPath}.contentType`);
    out.body = r.str(m, "body", `${mPath}.body`);
    out.bodyPath = r.str(m, "bodyPath", `${mPath}.bodyPath`);
    if (out.body === undefined && out.bodyPath === undefined) r.fail(`${mPath} needs body or bodyPath`);
  }
  return out;
}

export function cmdInputs(r: Reader, p: Obj): CmdInputs {
  const base = "cmdProbe/inputs";
  const inp = r.obj(p, base, base)!;
  const command = r.str(inp, "command", `${base}.command`, true)!;
  const comparator = r.comparator(
    r.obj(inp, "comparator", `${base}.comparator`)!,
    `${base}.comparator`,
    undefined,
  );
  let source: CmdSource | undefined;
  const src = inp.source;
  if (typeof src === "string" && src !== "" && src !== "inline") {
    source = { image: src, raw: { image: src } }; // 1.x/2.x: source was the image itself
  } else if (isObj(src) && Object.keys(src).length > 0) {
    source = { image: r.str(src, "image", `${base}.source.image`, true)!, raw: src };
  } else if (src !== undefined && src !== null && src !== "" && src !== "inline" && !isObj(src)) {
    r.fail(`${base}.source must be an object with an image, got ${show(src)}`);
  }
  return { command, comparator, source };
}

export function k8sInputs(r: Reader, p: Obj): K8sInputs {
  const base = "k8sProbe/inputs";
  const inp = r.obj(p, base, base)!;
  const opRaw = r.str(inp, "operation", `${base}.operation`, true)!;
  const operation = pick(K8S_OPERATIONS, opRaw) ??
    r.fail(`${base}.operation ${show(opRaw)} is not one of ${K8S_OPERATIONS.join(", ")}`);
  const s = (k: string, req = false) => r.str(inp, k, `${base}.${k}`, req) ?? "";
  const out: K8sInputs = {
    group: s("group"),
    version: s("version", true),
    resource: s("resource", true),
    namespace: s("namespace"),
    resourceNames: s("resourceNames"),
    fieldSelector: s("fieldSelector"),
    labelSelector: s("labelSelector"),
    operation,
  };
  if (operation === "create") {
    const data = r.str(p, "data", "data");
    if (!data) r.fail(`k8sProbe operation "create" needs the manifest in data`);
    try {
      const docs = parseYamlDocuments(data);
      const obj = docs.length === 1 ? docs[0] : undefined;
      if (!isObj(obj)) r.fail(`data must hold one Kubernetes object, got ${show(obj)}`);
    } catch (err) {
      if (err instanceof ProbeSpecError) throw err;
      r.fail(`data is not a YAML manifest: ${(err as Error).message.split("\n")[0]}`);
    }
    out.data = data;
  }
  return out;
}

export function promInputs(r: Reader, p: Obj): PromInputs {
  const base = "promProbe/inputs";
  const inp = r.obj(p, base, base)!;
  const endpoint = r.str(inp, "endpoint", `${base}.endpoint`, true)!;
  const query = r.str(inp, "query", `${base}.query`);
  const queryPath = r.str(inp, "queryPath", `${base}.queryPath`);
  if (query === undefined && queryPath === undefined) r.fail(`${base} needs query or queryPath`);
  const cmp = r.obj(inp, "comparator", `${base}.comparator`)!;
  // Litmus compares the promql CLI output as a float whatever `type` says (litmus.md §6.2).
  const comparator = r.comparator(cmp, `${base}.comparator`, "float");
  return { endpoint, query, queryPath, comparator };
}
