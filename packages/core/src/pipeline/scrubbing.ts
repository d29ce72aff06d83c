import type { AuthModule } from "../auth/types.js";
import { type CompiledPatterns, compilePatterns } from "../scrub/scrubber.js";
import { secretForms } from "../scrub/secret-forms.js";

/**
 * The patterns to scrub from one provider's answers: every form of every credential its auth
 * module may send. Minted and rotated tokens change, so the set is recompiled when (and only
 * when) the module's secret values change.
 */
export function scrubPatternSource(auth: AuthModule): () => CompiledPatterns | undefined {
  let lastKey = "";
  let compiled: CompiledPatterns | undefined;
  return () => {
    const secrets = auth.secretValues();
    const key = secrets.join("\u0000");
    if (key !== lastKey) {
      lastKey = key;
      const forms = secrets.flatMap((secret) => secretForms(secret));
      compiled = forms.length > 0 ? compilePatterns(forms) : undefined;
    }
    return compiled;
  };
}
