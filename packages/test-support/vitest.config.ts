import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } },
  test: { name: "test-support", include: ["test/**/*.test.ts"], passWithNoTests: false },
});
