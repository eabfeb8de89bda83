/**
 * Raw YAML parsing. client-node's loadYaml/loadAllYaml turn known kinds into typed models and
 * rename fields on the way (x-kubernetes-preserve-unknown-fields becomes
 * x_kubernetes_preserve_unknown_fields), so manifests are parsed with js-yaml directly — the
 * same js-yaml client-node already depends on.
 *
 * @module
 */
import * as yaml from "js-yaml";

/** Parses every document of a YAML stream, dropping empty ones. Throws SyntaxError with the line. */
export function parseYamlDocuments(text: string): unknown[] {
  try {
    return yaml.loadAll(text).filter((d: unknown) => d !== null && d !== undefined);
  } catch (err) {
    throw new SyntaxError(`Invalid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Serializes a value as YAML. */
export function toYaml(value: unknown): string {
  return yaml.dump(value, { noRefs: true, lineWidth: -1 });
}
