import { type ChildProcess, spawn } from "node:child_process";

/** Cursor movement, colours, erase and bracketed-paste sequences, as a terminal would swallow them. */
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]/g;

export const KEY = { enter: "\r", backspace: "\x7f", ctrlC: "\x03", down: "\x1b[B" } as const;

/**
 * A command in a real pseudo-terminal, via util-linux `script` (stdin is a TTY for the child, so
 * interactive prompts run exactly as for a person). `expect` waits for text in the output after
 * the previous match, so a question that repeats is matched once per occurrence.
 */
export class PtySession {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #raw = "";
  #cursor = 0;

  constructor(command: string, options: { cwd?: string; env?: Record<string, string>; cols?: number } = {}) {
    // A fixed size: without one the pty is 0×0 and prompts wrap at every character.
    const shell = `stty cols ${options.cols ?? 160} rows 50; exec ${command}`;
    this.child = spawn("script", ["-qfec", shell, "/dev/null"], { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d: Buffer) => (this.#raw += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.#raw += d.toString()));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  /** Everything printed so far, without escape sequences. */
  get screen(): string {
    return this.#raw.replace(ANSI, "");
  }

  async expect(text: string | RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.screen.slice(this.#cursor);
      const at = typeof text === "string" ? rest.indexOf(text) : rest.search(text);
      if (at >= 0) {
        const length = typeof text === "string" ? text.length : (rest.match(text)?.[0].length ?? 0);
        this.#cursor += at + length;
        return;
      }
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`expected ${String(text)} on the terminal; after the last match it shows:\n${rest.slice(-1500)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  type(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /** Waits for a question, then types the answer and Enter. */
  async answer(question: string | RegExp, keys: string): Promise<void> {
    await this.expect(question);
    this.type(keys + KEY.enter);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}
