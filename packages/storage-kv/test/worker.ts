// The Worker the pool runs the tests in: it only has to export the Durable Object class that
// wrangler.jsonc binds, exactly as a deployed Worker's entry does.
export { OutpostCoordinator } from "../src/index.js";

export default {
  fetch: () => new Response("storage-kv test worker", { status: 404 }),
};
