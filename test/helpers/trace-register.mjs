// `node --import ./trace-register.mjs ...`: registers trace-hooks.mjs.
import { register } from "node:module";

register("./trace-hooks.mjs", import.meta.url);
