import type { AuthModule } from "../auth/types.js";
import { type CompiledPatterns, compilePatterns } from "../scrub/scrubber.js";
import { secretForms } from "../scrub/secret-forms.js";

/**
 * The patterns to scrub from one provider's answers: every form of every credential its auth
 * module may send. Minted and rotated tokens change, so the set is recompiled when (and only
 * when) the module's secret values change.
 */
export function scrubPatternSource(auth: AuthModule): () => CompiledPatterns | undefined {
  let last: readonly string[] = [];
  let compiled: CompiledPatterns | undefined;
  return () => {
    const secrets = auth.secretValues();
    // Compared value by value against a copy: a plugin may change its array in place.
    if (!sameValues(secrets, last)) {
      last = secrets.slice();
      const forms = last.flatMap((secret) => secretForms(secret));
      compiled = forms.length > 0 ? compilePatterns(forms) : undefined;
    }
    return compiled;
  };
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
