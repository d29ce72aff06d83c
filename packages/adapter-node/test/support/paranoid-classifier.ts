/**
 * An independent, deliberately paranoid reading of a forwarded path, written for the tests only:
 * it shares no code with core. It decodes to a fixpoint, folds case and Unicode compatibility
 * forms, turns backslashes into slashes, strips `;params`, merges slashes, resolves dot segments
 * and drops trailing `/`, `.` and `.ext`: every interpretation some upstream might apply.
 */
function decodeOnce(text: string): string {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
  });
}

export function paranoidSegments(path: string): string[] {
  let text = path;
  for (let i = 0; i < 10; i++) {
    const next = decodeOnce(text).normalize("NFKC");
    if (next === text) break;
    text = next;
  }
  text = text.toLowerCase().replace(/\\/g, "/");
  const out: string[] = [];
  for (const raw of text.split("/")) {
    const segment = raw.split(";")[0]!.replace(/\.[^.]*$/, "").replace(/\.+$/, "");
    if (raw === "" || raw === ".") continue;
    if (raw === "..") {
      out.pop();
      continue;
    }
    out.push(segment === "" ? raw : segment);
  }
  return out;
}

/** Deny entries are literal segments or `*` (one segment); they cover their subtree. */
export function paranoidDenied(path: string, denyEntries: readonly string[]): boolean {
  const segments = paranoidSegments(path);
  return denyEntries.some((entry) => {
    const parts = entry.toLowerCase().split("/").filter(Boolean);
    if (parts.length > segments.length) return false;
    return parts.every((part, i) => part === "*" || part === segments[i]);
  });
}

/** Allow patterns here use only literal segments and `*` (one whole segment, one or more characters). */
export function strictlyAllowed(path: string, allowPatterns: readonly string[]): boolean {
  return allowPatterns.some((pattern) => {
    const source = pattern
      .split("/")
      .map((part) => (part === "*" ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    return new RegExp(`^${source}$`).test(path);
  });
}
