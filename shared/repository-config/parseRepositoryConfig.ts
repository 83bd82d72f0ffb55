import { errorMessage } from '../errors/errorMessage';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { codeRabbitOnlyKeys, type KeyTree } from './codeRabbitKeys';
import {
  repositoryConfigSchema,
  type RepositoryConfig,
  type RepositoryConfigLayer,
} from './repositoryConfigSchema';

/**
 * Reading one configuration file: YAML in, the keys it validly set out, with every problem named by key path and
 * line. Nothing here throws on input: a team's broken file must cost them that key (or, unparsable, the file), never
 * the review.
 */

/** `key` is the path, e.g. `reviews.path_instructions[1].path`; empty for the file as a whole. */
export interface ConfigProblem {
  source: string;
  key: string;
  line?: number;
  message: string;
}

/** A CodeRabbit key ado-reviewer accepts without acting on it. */
export interface IgnoredKey {
  source: string;
  key: string;
  line?: number;
}

export interface ConfigLayerReading {
  /** Only the keys the file set, each valid; merged over the layers under it. */
  layer: RepositoryConfigLayer;
  problems: ConfigProblem[];
  ignored: IgnoredKey[];
}

interface ParsedRepositoryConfig {
  /** The effective configuration: the file's valid keys over the defaults. */
  config: RepositoryConfig;
  problems: ConfigProblem[];
  ignored: IgnoredKey[];
}

type KeyPath = readonly (string | number)[];

type Shape =
  { kind: 'object'; keys: Record<string, Shape> } | { kind: 'array'; element: Shape } | { kind: 'value' };

/** The schema's keys, read from the zod schema itself so there is one definition of what is known. */
function shapeOf(schema: z.core.SomeType): Shape {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) {
    return shapeOf(schema.unwrap());
  }
  if (schema instanceof z.ZodObject) {
    const keys = Object.entries<z.core.SomeType>(schema.shape);
    return { kind: 'object', keys: Object.fromEntries(keys.map(([key, child]) => [key, shapeOf(child)])) };
  }
  if (schema instanceof z.ZodArray) return { kind: 'array', element: shapeOf(schema.element) };
  return { kind: 'value' };
}

const configShape = shapeOf(repositoryConfigSchema);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const ownChild = <T>(tree: Record<string, T> | undefined, key: string): T | undefined =>
  tree !== undefined && Object.hasOwn(tree, key) ? tree[key] : undefined;

const formatKeyPath = (path: KeyPath): string =>
  path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`,
    )
    .join('');

/** The 1-based line of the deepest node on `path` that the document has (a missing key: its parent's line). */
function lineOf(doc: Document, lineCounter: LineCounter, path: KeyPath): number | undefined {
  let node: unknown = doc.contents;
  let offset = isScalar(node) || isMap(node) || isSeq(node) ? node.range?.[0] : undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) break;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (!isScalar(item) && !isMap(item) && !isSeq(item)) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

type Ranged = { range?: readonly number[] | null } | null | undefined;
const startOf = (node: unknown) => (node as Ranged)?.range?.[0];
const endOf = (node: unknown) => (node as Ranged)?.range?.[2];

/** The key path whose entry spans `offset`, for naming where a syntax error is. */
function keyPathAt(doc: Document, offset: number): KeyPath {
  const path: (string | number)[] = [];
  const spans = (start: number | undefined, end: number | undefined) =>
    start !== undefined && end !== undefined && start <= offset && offset <= end;
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => spans(startOf(item.key), endOf(item.value) ?? endOf(item.key)));
      if (pair === undefined || !isScalar(pair.key)) break;
      path.push(String(pair.key.value));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => spans(startOf(item), endOf(item)));
      if (index < 0) break;
      path.push(index);
      node = node.items[index];
    } else {
      break;
    }
  }
  return path;
}

/** Removes keys the schema does not have, reporting CodeRabbit's as ignored and the rest as problems. */
function pruneUnknownKeys(
  value: unknown,
  shape: Shape,
  codeRabbitKeys: KeyTree | undefined,
  path: KeyPath,
  onUnknown: (path: KeyPath, isCodeRabbits: boolean) => void,
): void {
  if (shape.kind === 'object' && isRecord(value)) {
    for (const key of Object.keys(value)) {
      const child = ownChild(shape.keys, key);
      const codeRabbitChild = ownChild(codeRabbitKeys, key);
      if (child === undefined) {
        onUnknown([...path, key], codeRabbitChild !== undefined);
        delete value[key];
      } else {
        const below = codeRabbitChild === true ? undefined : codeRabbitChild;
        pruneUnknownKeys(value[key], child, below, [...path, key], onUnknown);
      }
    }
  } else if (shape.kind === 'array' && Array.isArray(value)) {
    value.forEach((item, index) =>
      pruneUnknownKeys(item, shape.element, undefined, [...path, index], onUnknown),
    );
  }
}

const keyPathOf = (issuePath: readonly PropertyKey[]): KeyPath =>
  issuePath.filter((segment): segment is string | number => typeof segment !== 'symbol');

/**
 * What an invalid value costs: the key (its default applies), or for a list the entry (the rest of the list stays):
 * the path up to its last list index.
 */
function fallbackTarget(issuePath: readonly PropertyKey[]): KeyPath {
  const path = keyPathOf(issuePath);
  const lastIndex = path.map((segment) => typeof segment === 'number').lastIndexOf(true);
  return lastIndex < 0 ? path : path.slice(0, lastIndex + 1);
}

/** Stands in for a removed list entry until the pass ends, so the indexes of the other issues stay right. */
const REMOVED = Symbol('removed');

/** Removes the node at `path` (a list entry: marks it); reports whether there was one. */
function removeAt(root: unknown, path: KeyPath): boolean {
  let parent: unknown = root;
  for (const segment of path.slice(0, -1)) {
    if (isRecord(parent) && typeof segment === 'string') parent = parent[segment];
    else if (Array.isArray(parent) && typeof segment === 'number') parent = parent[segment];
    else return false;
  }
  const last = path.at(-1);
  if (Array.isArray(parent) && typeof last === 'number' && last < parent.length && parent[last] !== REMOVED) {
    parent[last] = REMOVED;
    return true;
  }
  if (isRecord(parent) && typeof last === 'string' && Object.hasOwn(parent, last)) {
    delete parent[last];
    return true;
  }
  return false;
}

/** Drops the marked list entries. */
function compact(value: unknown): void {
  if (Array.isArray(value)) {
    const kept = (value as unknown[]).filter((item) => item !== REMOVED);
    value.splice(0, value.length, ...kept);
    kept.forEach(compact);
  } else if (isRecord(value)) {
    Object.values(value).forEach(compact);
  }
}

const firstLine = (message: string) => message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');

export function readRepositoryConfigLayer(text: string, source: string): ConfigLayerReading {
  const problems: ConfigProblem[] = [];
  const ignored: IgnoredKey[] = [];
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false });
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const offset = error.pos[0];
        problems.push({
          source,
          key: formatKeyPath(keyPathAt(doc, offset)),
          line: lineCounter.linePos(offset).line,
          message: `YAML syntax: ${firstLine(error.message)}; the file is not used`,
        });
      }
      return { layer: {}, problems, ignored };
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return { layer: {}, problems, ignored };
    if (!isRecord(value)) {
      problems.push({
        source,
        key: '',
        line: lineOf(doc, lineCounter, []),
        message: 'expected a mapping of keys; the file is not used',
      });
      return { layer: {}, problems, ignored };
    }

    pruneUnknownKeys(value, configShape, codeRabbitOnlyKeys, [], (path, isCodeRabbits) => {
      const key = formatKeyPath(path);
      const line = lineOf(doc, lineCounter, path);
      if (isCodeRabbits) ignored.push({ source, key, line });
      else problems.push({ source, key, line, message: 'unknown key, ignored' });
    });

    // Each pass removes at least one invalid value, so this ends; the bound is a guard, not a limit ever reached.
    for (let pass = 0; pass < 1000; pass++) {
      const result = repositoryConfigSchema.safeParse(value);
      if (result.success) return { layer: value, problems, ignored };
      const targets = result.error.issues.map((issue) => {
        const path = keyPathOf(issue.path);
        problems.push({
          source,
          key: formatKeyPath(path),
          line: lineOf(doc, lineCounter, path),
          message: `${issue.message}; ${typeof fallbackTarget(path).at(-1) === 'number' ? 'the entry is left out' : 'the default is used'}`,
        });
        return fallbackTarget(path);
      });
      const removed = targets.map((target) => removeAt(value, target));
      compact(value);
      if (!removed.includes(true)) break;
    }
    problems.push({ source, key: '', message: 'could not be validated; the file is not used' });
    return { layer: {}, problems, ignored };
  } catch (error) {
    // The YAML library's own limits (alias expansion) throw; the file is then unusable, the review is not.
    problems.push({
      source,
      key: '',
      message: `${errorMessage(error)}; the file is not used`,
    });
    return { layer: {}, problems, ignored };
  }
}

export function parseRepositoryConfig(text: string, source: string): ParsedRepositoryConfig {
  const { layer, problems, ignored } = readRepositoryConfigLayer(text, source);
  return { config: repositoryConfigSchema.parse(layer), problems, ignored };
}
