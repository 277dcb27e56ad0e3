/**
 * Building remote command lines without shell injection: every parameter becomes one single-quoted word
 * (a quote inside is closed, escaped and reopened), and environment variables go through `env NAME=value`
 * with names checked, so no value is ever parsed as shell syntax.
 */
import { ValidationError } from '../core/errors.js';

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** One shell word, whatever the string holds. NUL cannot travel in an argv, so it is refused. */
export function shellQuote(value: string): string {
  if (value.includes('\0'))
    throw new ValidationError('Parameters and environment values must not contain NUL');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `env 'A=1' 'B=x y' ` prefix (empty without variables); names must be plain identifiers. */
export function envPrefix(env: Record<string, string> = {}): string {
  const entries = Object.entries(env);
  if (entries.length === 0) return '';
  for (const [name] of entries) {
    if (!ENV_NAME.test(name)) throw new ValidationError(`Invalid environment variable name "${name}"`);
  }
  return `env ${entries.map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ')} `;
}

/** `<env> <program> 'arg1' 'arg2'`: the program is trusted text (ours), the arguments are not. */
export function commandLine(program: string, args: string[] = [], env: Record<string, string> = {}): string {
  return `${envPrefix(env)}${program}${args.map((a) => ` ${shellQuote(a)}`).join('')}`;
}
