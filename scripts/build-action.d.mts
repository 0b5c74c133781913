// Types of scripts/build-action.mjs, for the test that checks the committed bundle.
export declare const OUT_DIR: string;
/** The bundle's files by name (index.js and the two .wasm files), built in memory. */
export declare function buildAction(): Promise<Map<string, Buffer>>;
/** Names of the committed files in action/dist that differ from `files` or are missing. */
export declare function staleFiles(files: Map<string, Buffer>): string[];
