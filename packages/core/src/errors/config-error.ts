/** One problem found in configuration, located precisely enough to fix without guessing. */
export interface ConfigIssue {
  /** The file as the operator named it (or a label such as `<env TRUSTED_PROXIES>`). */
  readonly file: string;
  /** 1-based line, when the problem sits at a place in a YAML text. */
  readonly line: number | undefined;
  /** Dotted path of the field, e.g. `forwarding.allow[2].methods`. Empty for the whole file. */
  readonly field: string;
  readonly message: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  return issue.field ? `${where} ${issue.field}: ${issue.message}` : `${where}: ${issue.message}`;
}

/**
 * Configuration is validated once, at start-up; any issue stops the process (DESIGN §2,
 * invariant 7). Messages name variables, never their values.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join("\n"));
    this.issues = issues;
  }
}
