/**
 * Streaming secret scrubbing for upstream responses (DESIGN.md §4 invariant 1, SEC-64).
 *
 * Typical use: per provider, `compilePatterns(secrets.flatMap(secretForms))` once; per response,
 * `createScrubber(compiled)` and `push` each body chunk, then `flush` at the end.
 *
 * @module
 */
export { secretForms, basicCredentialForms, base64Cores, MIN_FORM_BYTES } from "./secret-forms.js";
export {
  compilePatterns,
  createScrubber,
  createScrubStream,
  scrubText,
  CompiledPatterns,
  DEFAULT_REPLACEMENT,
  SAME_LENGTH,
} from "./scrubber.js";
export type { Scrubber } from "./scrubber.js";
