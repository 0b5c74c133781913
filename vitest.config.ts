// Two groups: the unit and app tests first (files in parallel), then the load and fault tests,
// one file at a time, alone on the machine: they run real app processes and a redis-server and
// check that every webhook is answered in under a second, which other tests' CPU would blur.
import { defineConfig } from "vitest/config";

const LOAD = ["test/ship/burst.test.ts", "test/ship/faults.test.ts"];

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: LOAD, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "load", include: LOAD, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
