import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLError } from "yaml";
import { ConfigError } from "../errors/config-error.js";
import { dotPath } from "./validate.js";

/** A configuration text and the name the operator knows it by (a path on Node, a module on Workers). */
export interface ConfigSource {
  readonly file: string;
  readonly text: string;
}

export type FieldPath = ReadonlyArray<string | number>;

export interface ParsedYaml {
  readonly value: unknown;
  /** 1-based line of the field at `path`, or of its nearest existing ancestor. */
  lineOf(path: FieldPath): number | undefined;
}

/**
 * Parses one YAML document keeping positions, so every later problem can name its line.
 * Duplicate keys are an error (`uniqueKeys`): with last-wins, a second `deny:` would silently
 * replace the first.
 */
export function parseYamlSource(source: ConfigSource): ParsedYaml {
  const kept = reusable.get(source);
  if (kept === undefined) return parseOnce(source);
  reusable.delete(source);
  if (kept instanceof ConfigError) throw kept;
  return kept;
}

/**
 * Parses and keeps the result for the next `parseYamlSource` of the same source object, which
 * takes it: start-up reads each provider file twice (its plugin references, then the
 * configuration), and a YAML parse allocates ~1,000× the text's size in short-lived objects (92 MB
 * for 1,000 rules), which the heap keeps as peak RSS (bench/). Taken once, nothing stays alive
 * with a source object its caller keeps.
 */
export function parseYamlSourceForReuse(source: ConfigSource): ParsedYaml {
  let result: ParsedYaml | ConfigError;
  try {
    result = parseOnce(source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    result = error;
  }
  reusable.set(source, result);
  if (result instanceof ConfigError) throw result;
  return result;
}

const reusable = new WeakMap<ConfigSource, ParsedYaml | ConfigError>();

function parseOnce(source: ConfigSource): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { offset, path } = locateError(doc.contents, error);
        return { file: source.file, line: lineAt(offset), field: dotPath(path), message: `invalid YAML: ${firstLine(error.message)}` };
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // e.g. an alias bomb or an unresolved alias: still a located configuration error, not a crash.
    throw new ConfigError([{ file: source.file, line: undefined, field: "", message: `invalid YAML: ${firstLine((error as Error).message)}` }]);
  }
  return {
    value,
    lineOf: (path) => {
      const offset = offsetOf(doc.contents, path);
      return offset === undefined ? undefined : lineAt(offset);
    },
  };
}

function offsetOf(root: unknown, path: FieldPath): number | undefined {
  let node = root as Node | null;
  let offset = node?.range?.[0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key));
      if (!pair) return offset;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof key === "number") {
      const item = node.items[key] as Node | undefined;
      if (!item) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

type Located = { readonly node: Node; readonly path: FieldPath; readonly isKey: boolean };

/** Every key and value node of the document with the field path it belongs to. */
function* walk(node: unknown, path: FieldPath): Generator<Located> {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyPath = [...path, isScalar(pair.key) ? String(pair.key.value) : "?"];
      if (pair.key) yield { node: pair.key as Node, path: keyPath, isKey: true };
      if (pair.value) yield { node: pair.value as Node, path: keyPath, isKey: false };
      yield* walk(pair.value, keyPath);
    }
  } else if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const item = node.items[i] as Node | null;
      if (item) yield { node: item, path: [...path, i], isKey: false };
      yield* walk(item, [...path, i]);
    }
  }
}

/**
 * The parser reports where it noticed a problem (`error.pos`, without `linePos` since
 * `prettyErrors` is off). A duplicate key is named by its field; an unclosed quote runs to the end
 * of the file, so it is reported where the quoted scalar starts, which is where the typo is.
 */
function locateError(root: unknown, error: YAMLError): { offset: number; path: FieldPath } {
  const at = error.pos[0];
  const top: Located[] = root ? [{ node: root as Node, path: [], isKey: false }] : [];
  for (const entry of [...top, ...walk(root, [])]) {
    const range = entry.node.range;
    if (!range) continue;
    if (error.code === "DUPLICATE_KEY" && entry.isKey && range[0] === at) return { offset: at, path: entry.path };
    if (error.code === "MISSING_CHAR" && isScalar(entry.node) && range[1] === at) return { offset: range[0], path: entry.path };
  }
  return { offset: at, path: [] };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
