import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ConfigError, type ConfigSource } from "@outpost/core";

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

function readSource(path: string): ConfigSource {
  try {
    return { file: display(path), text: readFileSync(path, "utf8") };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError([{ file: display(path), line: undefined, field: "", message: `cannot read file (${reason})` }]);
  }
}

/** Every `*.yaml` / `*.yml` file of each directory, in name order so start-up is deterministic. */
export function readProviderDirs(dirs: readonly string[]): ConfigSource[] {
  return dirs.flatMap((dir) => {
    let names: string[];
    try {
      if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
      names = readdirSync(dir);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new ConfigError([{ file: display(dir), line: undefined, field: "", message: `cannot read providers directory (${reason})` }]);
    }
    return names
      .filter((name) => /\.ya?ml$/i.test(name))
      .sort()
      .map((name) => readSource(join(dir, name)));
  });
}

export function readHostsFile(path: string | undefined): ConfigSource | undefined {
  return path === undefined ? undefined : readSource(path);
}
