/**
 * The version core reports about itself (OpenAPI `info.version`, diagnostics). Core cannot read
 * its package.json at run time (no file system on Workers), so it is kept in step by hand.
 */
export const OUTPOST_VERSION = "0.1.0";
