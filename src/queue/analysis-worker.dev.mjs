// Development only: the analysis worker loaded from TypeScript source (tests run the server
// through tsx; a worker thread does not inherit its loader). The build uses analysis-worker.js.
import { register } from "tsx/esm/api";

register();
const worker = await import("./analysis-worker.ts");
export default worker.default;
