/**
 * The one Go-template form Litmus probes use: `{{ .<probeName>.ProbeArtifacts.Register }}`, the trimmed stdout
 * of an earlier cmdProbe that passed (litmus.md §6.1). Used in url, command, resourceNames and the selectors.
 *
 * @module
 */

// Go's template parser would reject a hyphen in the field name; probe names often have one, so accept it.
const REGISTER = /\{\{-?\s*\.([A-Za-z0-9_-]+)\.ProbeArtifacts\.Register\s*-?\}\}/g;

/**
 * Replaces every register reference in `text` with the registered output.
 *
 * @param registers probe name → registered output
 * @throws {RangeError} naming the probe whose output is not registered (it has not passed yet, or is not a cmdProbe)
 */
export function expandRegisters(text: string, registers: ReadonlyMap<string, string>): string {
  if (!text.includes("{{")) return text;
  const out = text.replace(REGISTER, (_m, name: string) => {
    const value = registers.get(name);
    if (value === undefined) {
      throw new RangeError(
        `Template ${JSON.stringify(_m)} refers to probe "${name}", which has no registered output`,
      );
    }
    return value;
  });
  if (/\{\{.*\}\}/.test(out)) {
    throw new RangeError(
      `Unsupported template in ${JSON.stringify(text)}: only {{ .<probe>.ProbeArtifacts.Register }}`,
    );
  }
  return out;
}
