import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { ConfigFiles } from "./config-reloader.js";

export interface ConfigWatcher {
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last event before `onChange`: an editor's save is several events. @default 200 */
  readonly debounceMs?: number;
  /** A directory that could not be watched, or stopped being watchable. */
  onError?(message: string): void;
}

/**
 * Watches the directories, not the files: editors save by writing a new file and renaming it over
 * the old one, which ends a watch on the old file's inode; Kubernetes ConfigMap volumes swap a
 * `..data` symlink. Every event in a providers directory counts; in the hosts file's directory,
 * only events for that file or `..`-prefixed entries. Unchanged texts are filtered by the reloader.
 */
export function watchConfigFiles(files: ConfigFiles, onChange: () => void, options: WatchOptions = {}): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 200;
  const relevant = new Map<string, (name: string | null) => boolean>();
  for (const dir of files.providerDirs) relevant.set(resolve(dir), () => true);
  if (files.hostsFile !== undefined) {
    const dir = resolve(dirname(files.hostsFile));
    const name = basename(files.hostsFile);
    if (!relevant.has(dir)) relevant.set(dir, (entry) => entry === null || entry === name || entry.startsWith(".."));
  }
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const watchers: FSWatcher[] = [];
  for (const [dir, isRelevant] of relevant) {
    try {
      // Not persistent: the server keeps the process alive, the watcher must not keep it after close.
      const watcher = watch(dir, { persistent: false }, (_event, entry) => {
        if (isRelevant(entry === null ? null : String(entry))) changed();
      });
      watcher.on("error", (error) => options.onError?.(`stopped watching ${dir} (${(error as NodeJS.ErrnoException).code ?? error.message})`));
      watchers.push(watcher);
    } catch (error) {
      options.onError?.(`cannot watch ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
