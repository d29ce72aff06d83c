import * as v from "valibot";

/** Environment variable names: the only way YAML refers to a secret (values never live in YAML). */
export const EnvName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name (letters, digits, _)"),
);

/** RFC 9110 §5.1 field-name token. */
export const HeaderName = v.pipe(
  v.string(),
  v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid HTTP header name"),
);

/** Header values may not carry CR, LF or NUL (RFC 9110 §5.5): they would split the request. */
export const HeaderValue = v.pipe(
  v.string(),
  v.regex(/^[^\r\n\0]*$/, "must not contain CR, LF or NUL"),
);

export const NonEmptyString = v.pipe(v.string(), v.minLength(1, "must not be empty"));

export const PositiveInt = v.pipe(v.number(), v.integer("must be an integer"), v.minValue(1, "must be at least 1"));
export const NonNegativeInt = v.pipe(v.number(), v.integer("must be an integer"), v.minValue(0, "must be 0 or more"));

/** RFC 9110 §5.6.2 token, upper-cased: methods are case-sensitive on the wire and always upper-case in practice. */
export const Method = v.pipe(
  v.string(),
  v.regex(/^(\*|[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/, "must be an HTTP method or \"*\""),
  v.toUpperCase(),
);
