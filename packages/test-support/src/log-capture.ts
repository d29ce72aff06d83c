/** An in-memory sink for the proxy's JSON log lines (one object per line, DESIGN §8). */
export interface LineSink {
  /** Accepts one line or several separated by "\n"; a trailing newline is fine, blank lines are dropped. */
  write(line: string): void;
  readonly lines: string[];
  /** Every line parsed as JSON; throws naming the line number if one is not JSON. */
  json(): unknown[];
  /** All lines joined with "\n", e.g. to scan with findLeaks. */
  text(): string;
  clear(): void;
}

export function createLineSink(): LineSink {
  const lines: string[] = [];
  return {
    lines,
    // Splitting here lets the sink stand in for a stream-like `write(JSON + "\n")` logger too.
    write(line) {
      for (const part of line.split("\n")) if (part.trim() !== "") lines.push(part);
    },
    json() {
      return lines.map((line, i) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          throw new Error(`log line ${i + 1} is not JSON (${line.length} chars)`);
        }
      });
    },
    text: () => lines.join("\n"),
    clear: () => void lines.splice(0, lines.length),
  };
}
