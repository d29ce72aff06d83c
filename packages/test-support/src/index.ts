// Node-only fixtures shared by every runtime's tests (security-cases.md, "Test fixture").
export { binaryBody } from "./binary-body.js";
export { freePort } from "./free-port.js";
export { type RawResponse, ResponseParser } from "./http-response-parser.js";
export { createLineSink, type LineSink } from "./log-capture.js";
export { rawHttp, type RawHttpOptions, rawRequest, type RawRequestOptions, type RawResponses } from "./raw-client.js";
export { headerMap, headerPairs, type RecordedRequest } from "./recorded-request.js";
export {
  EVIL_HOST,
  type RecordingUpstream,
  type RecordingUpstreamOptions,
  startEvilOrigin,
  startRecordingUpstream,
} from "./recording-upstream.js";
export { type LoopbackUpstreams, startLoopbackUpstreams } from "./loopback-upstreams.js";
export { startTokenEndpoint, type TokenEndpoint } from "./token-endpoint.js";
export { assertNoLeaks, basicForms, createSentinels, findLeaks, sentinelForms } from "./sentinels.js";
