/**
 * What one configuration option declares: flag, env variable, kind, default and help text.
 *
 * @module
 */

export type Kind = "string" | "int" | "signed" | "bool" | "level" | "fraction";

export interface OptionSpec {
  flag: string;
  env: string;
  kind: Kind;
  default: string;
  help: string;
}
