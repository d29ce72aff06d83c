/**
 * The bytes behind `GET /docs` (DESIGN §6): Swagger UI from the `swagger-ui-dist` package, served
 * by Outpost itself so the page works offline and loads nothing from a CDN. Core decides who may
 * see the page; this module only answers with the bytes.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface DocsAnswer {
  readonly status: number;
  /** Flattened `[name, value, …]` pairs, like core's `Answer`. */
  readonly headers: string[];
  readonly body: Uint8Array;
}

/**
 * Same-origin only. `img-src data:` because swagger-ui.css draws its icons as data: URIs;
 * `connect-src 'self'` lets the page fetch the document and "Try it out" call this proxy and
 * nothing else; no inline script, which is why the initializer is a file of its own.
 */
const CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Relative URLs, so the page also works when the handler is mounted under a prefix
 * (`/outpost/docs` loads `/outpost/docs/swagger-ui.css` and `/outpost/openapi.json`).
 */
const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Outpost API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/swagger-initializer.js"></script>
</body>
</html>
`;

// validatorUrl: null stops Swagger UI from loading a badge from validator.swagger.io;
// queryConfigEnabled: false stops `?url=` from pointing the page at another document.
const INITIALIZER = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
`;

const TEXT = new TextEncoder();

function entry(contentType: string, body: Uint8Array, cacheControl: string): DocsAnswer {
  return {
    status: 200,
    headers: [
      "Content-Type", contentType,
      "Content-Security-Policy", CSP,
      "X-Content-Type-Options", "nosniff",
      "Referrer-Policy", "no-referrer",
      "Cache-Control", cacheControl,
    ],
    body,
  };
}

// Resolved at start-up, so a missing swagger-ui-dist stops the proxy then, not at a first /docs.
const DIST = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** One of swagger-ui-dist's files, as bytes. */
function distFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(DIST, name)));
}

// Assets only change with the pinned package version; the page is cheap, so it is not cached.
const ASSET_CACHE = "public, max-age=3600";

const SOURCES: Readonly<Record<string, () => DocsAnswer>> = {
  "/docs": () => entry("text/html; charset=utf-8", TEXT.encode(HTML), "no-cache"),
  "/docs/swagger-ui.css": () => entry("text/css; charset=utf-8", distFile("swagger-ui.css"), ASSET_CACHE),
  "/docs/swagger-ui-bundle.js": () => entry("text/javascript; charset=utf-8", distFile("swagger-ui-bundle.js"), ASSET_CACHE),
  "/docs/swagger-initializer.js": () => entry("text/javascript; charset=utf-8", TEXT.encode(INITIALIZER), "no-cache"),
};

/**
 * Each asset is read at its first request, then kept, never read per request: the Swagger UI
 * bundle is 1.6 MB that a proxy nobody browses should not hold.
 */
const loaded = new Map<string, DocsAnswer>();

/** Every path this module answers, for routing and tests. */
export const DOCS_PATHS: readonly string[] = Object.keys(SOURCES);

/**
 * The answer for a `/docs` path (query string already removed), or undefined for any other path.
 * Headers are copied per call so a caller may append to them; the body is shared and read-only.
 */
export function docsAnswer(pathname: string): DocsAnswer | undefined {
  if (!Object.hasOwn(SOURCES, pathname)) return undefined;
  let found = loaded.get(pathname);
  if (found === undefined) loaded.set(pathname, (found = (SOURCES[pathname] as () => DocsAnswer)()));
  return { status: found.status, headers: [...found.headers], body: found.body };
}
