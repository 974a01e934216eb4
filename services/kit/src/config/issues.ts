// Turns zod issues into readable `path: expected X, got <value>` problems, with secrets masked.
import type { z } from 'zod';
import { describeValue, formatPath, isSecretKey, valueAt, type ConfigProblem } from './problems.ts';

export interface IssueContext {
  tree: unknown;
  unset: ReadonlyMap<string, string>;
  fromEnv: ReadonlyMap<string, string>;
}

type Issue = z.core.$ZodIssue;

const EXPECTED_WORDS: Record<string, string> = {
  object: 'a map',
  array: 'a list',
  record: 'a map',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean (true/false)',
  int: 'an integer',
};

function expectedWord(expected: string): string {
  return EXPECTED_WORDS[expected] ?? expected;
}

function unionExpectation(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const words = new Set<string>();
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first?.code === 'invalid_type' && first.path.length === 0) words.add(expectedWord(first.expected));
    else words.add('a valid value');
  }
  return [...words].join(' or ');
}

function relevantPath(issue: Issue): PropertyKey[] {
  return issue.path;
}

function asConfigPath(path: PropertyKey[]): (string | number)[] {
  return path.map((seg) => (typeof seg === 'number' ? seg : String(seg)));
}

export function problemFromIssue(issue: Issue, ctx: IssueContext): ConfigProblem {
  const path = asConfigPath(relevantPath(issue));
  const pathText = formatPath(path);
  const value = valueAt(ctx.tree, path);
  const last = path[path.length - 1];
  const secret = isSecretKey(last) || ctx.fromEnv.has(pathText);
  const envName = ctx.fromEnv.get(pathText);
  const got = describeValue(value, { secret }) + (envName ? ` (from environment variable ${envName})` : '');
  const unsetVar = ctx.unset.get(pathText);

  if (value === undefined && unsetVar !== undefined) {
    return { path: pathText, message: `environment variable ${unsetVar} is not set (referenced as os.environ/${unsetVar}) and this setting is required` };
  }
  switch (issue.code) {
    case 'invalid_type':
      return { path: pathText, message: `expected ${expectedWord(issue.expected)}, got ${got}` };
    case 'invalid_value':
      return { path: pathText, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}` };
    case 'invalid_union':
      return { path: pathText, message: `expected ${unionExpectation(issue)}, got ${got}` };
    case 'too_small':
      return { path: pathText, message: `expected ${issue.origin === 'string' ? 'a non-empty string' : `a value >= ${String(issue.minimum)}`}, got ${got}` };
    case 'too_big':
      return { path: pathText, message: `expected a value <= ${String(issue.maximum)}, got ${got}` };
    default:
      return { path: pathText, message: `${issue.message}, got ${got}` };
  }
}
