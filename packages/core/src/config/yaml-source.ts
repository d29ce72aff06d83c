import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { ConfigError } from "../errors/config-error.js";

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
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => ({
        file: source.file,
        line: error.linePos?.[0]?.line,
        field: "",
        message: `invalid YAML: ${firstLine(error.message)}`,
      })),
    );
  }
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  return {
    value: doc.toJS({ maxAliasCount: 100 }),
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

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
