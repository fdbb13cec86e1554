/**
 * A small command-line flag parser shared by the CLI's subcommands: `--name value`,
 * `--name=value` and bare boolean `--name`. Every error names the command, the flag, what it
 * expects and what it got.
 */

/** int: a positive integer; count: a non-negative one. */
export type FlagKind = 'int' | 'count' | 'ints' | 'number' | 'string' | 'bool';

export interface FlagSpec {
  kind: FlagKind;
  /** What the value must be, for errors and help (e.g. 'a comma-separated list of seqlens'). */
  expects?: string;
  /** For string flags: the accepted values (after `aliases`). */
  choices?: readonly string[];
  /** For string flags: alternative spellings mapped to a choice. */
  aliases?: Readonly<Record<string, string>>;
}

export type FlagValue = number | number[] | string | boolean;

/** A bad command line: the command should print this and exit with status 2. */
export class CliArgumentError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`flash-attn ${command}: ${message}`);
    this.name = 'CliArgumentError';
  }
}

/** 'k' multiplies by 1024, as in the papers' seqlen labels (16k = 16384). */
const K_SUFFIX = 1024;

/** A positive integer, optionally with a k suffix; undefined when `s` is not one. */
export function parsePositiveInt(s: string): number | undefined {
  const m = /^(\d+)(k?)$/i.exec(s.trim());
  if (!m) return undefined;
  const v = Number(m[1]) * (m[2] ? K_SUFFIX : 1);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

export interface ParsedFlags {
  values: Map<string, FlagValue>;
  positional: string[];
}

/** Parses `argv` against `specs` (keyed by flag name without the dashes). */
export function parseFlags(command: string, argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParsedFlags {
  const values = new Map<string, FlagValue>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      if (arg !== '--') positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      throw new CliArgumentError(command, `unknown option '--${name}'; see 'flash-attn ${command} --help'`);
    }
    if (spec.kind === 'bool') {
      if (eq >= 0) {
        const raw = arg.slice(eq + 1);
        if (raw !== 'true' && raw !== 'false') {
          throw new CliArgumentError(command, `--${name} is a switch (true or false), got '${raw}'`);
        }
        values.set(name, raw === 'true');
      } else {
        values.set(name, true);
      }
      continue;
    }
    let raw: string;
    if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new CliArgumentError(command, `--${name} needs a value (${describeExpectation(spec)})`);
      }
      raw = next;
      i++;
    }
    values.set(name, convert(command, name, spec, raw));
  }
  return { values, positional };
}

function describeExpectation(spec: FlagSpec): string {
  if (spec.expects) return spec.expects;
  switch (spec.kind) {
    case 'int':
      return 'a positive integer';
    case 'count':
      return 'a non-negative integer';
    case 'ints':
      return 'a comma-separated list of positive integers';
    case 'number':
      return 'a number';
    case 'string':
      return spec.choices ? `one of ${spec.choices.join(', ')}` : 'a value';
    case 'bool':
      return 'true or false';
  }
}

function convert(command: string, name: string, spec: FlagSpec, raw: string): FlagValue {
  const bad = (): never => {
    throw new CliArgumentError(command, `--${name} must be ${describeExpectation(spec)}, got '${raw}'`);
  };
  switch (spec.kind) {
    case 'int':
      return parsePositiveInt(raw) ?? bad();
    case 'count':
      return raw.trim() === '0' ? 0 : (parsePositiveInt(raw) ?? bad());
    case 'ints': {
      const parts = raw.split(',');
      const nums = parts.map(parsePositiveInt);
      if (raw.trim() === '' || nums.some((n) => n === undefined)) bad();
      return nums as number[];
    }
    case 'number': {
      const v = Number(raw);
      return raw.trim() !== '' && Number.isFinite(v) ? v : bad();
    }
    case 'string': {
      const v = spec.aliases?.[raw.toLowerCase()] ?? raw;
      if (spec.choices && !spec.choices.includes(v)) bad();
      return v;
    }
    case 'bool':
      return raw === 'true';
  }
}
