import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } },
  test: { name: "storage-redis", include: ["test/**/*.test.ts"], testTimeout: 20000, hookTimeout: 20000 },
});
