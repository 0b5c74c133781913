// The contract between the engine, the rules and the drivers (CLI, App).
// Rules see syntax (tree-sitter nodes, valid only while `check` runs) and report plain data.
import type { Node } from "web-tree-sitter";

export type GoNode = Node;
export type Severity = "error" | "warning" | "info";
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** Offsets are JavaScript string indices into the file's source (what tree-sitter reports). */
export interface Span {
  start: number;
  end: number;
}

/** `go1.N` as a number pair; `null` means unknown. */
export interface GoVersion {
  major: number;
  minor: number;
}

export interface ImportName {
  /** The import path, e.g. "context". */
  path: string;
  /** The name the file uses: the alias, the package's last path element, "." or "_". */
  name: string;
  kind: "default" | "alias" | "dot" | "blank";
}

export type UnitKind = "func" | "method" | "type" | "var" | "const";

/** A package-level declaration of the file (one spec of a grouped declaration). */
export interface PackageDecl {
  kind: "type" | "var" | "const";
  /** Declared names (a var spec may declare several). */
  names: string[];
  /** The `type_spec`, `type_alias`, `var_spec` or `const_spec` node. */
  node: GoNode;
  /** The declared type expression, when written. */
  type: GoNode | null;
}

export interface Binding {
  name: string;
  /** The identifier that declares it. */
  id: GoNode;
  kind: "receiver" | "param" | "result" | "var" | "const" | "range" | "typeswitch" | "label" | "func";
  /** The declaring statement or spec (short_var_declaration, var_spec, parameter_declaration, range_clause ...). */
  decl: GoNode;
  /** The declared type, when the syntax gives it. */
  type: GoNode | null;
  /** Identifiers that refer to this binding (the declaring one excluded). */
  uses: GoNode[];
}

export interface Bindings {
  /** All local bindings of the unit, in source order (nested function literals included). */
  all: Binding[];
  /** The local binding an identifier refers to, or undefined for package-level names, imports and builtins. */
  resolve(id: GoNode): Binding | undefined;
  /** The binding declared by this identifier node. */
  declaredBy(id: GoNode): Binding | undefined;
}

/** What the engine knows of one Go file. Read-only for rules. */
export interface FileView {
  path: string;
  source: string;
  packageName: string;
  /** The file's Go language version: `//go:build go1.N`, else the nearest go.mod's `go` line, else null. */
  goVersion: GoVersion | null;
  /**
   * The nearest go.mod's `go` line alone. Runtime behaviour that follows the main module's go line
   * (GODEBUG defaults such as Go 1.23's timers) depends on this, not on a build constraint: a
   * module's go line is a lower bound for any main module that uses it.
   */
  moduleGoVersion: GoVersion | null;
  /**
   * The nearest go.mod's `godebug` settings (`godebug asynctimerchan=1`), which, like its go line,
   * decide runtime behaviour when it is the main module. Empty without a go.mod.
   */
  moduleGodebug: Readonly<Record<string, string>>;
  imports: ImportName[];
  /** The local name under which `path` is imported (undefined when not imported or blank). */
  importName(path: string): string | undefined;
  decls: PackageDecl[];
  /** True for `_test.go` files. */
  isTest: boolean;
  /**
   * Test code, which in practice only test binaries run: a `_test.go` file; outside package
   * `main`, a file that declares a function, method, interface method or struct field of type
   * `*testing.T`, `testing.TB`, `*testing.B`, `*testing.F` or `*testing.M` (a test helper file:
   * production code has no such value to pass); or a file of a test-support package, one whose
   * name says so (`testutil`, `testhelpers`, `httptest`, `e2etest`: starting with `test`, or ending
   * in `test`, `tests`, `testing`, `testutil(s)`) and one of whose non-test files declares such a
   * helper. A production package with a helper file (`testing.go` declaring
   * `TestServer(t testing.TB)` next to the server's code) is test code in that file only.
   * Importing "testing" alone does not count (`testing.Testing()`,
   * `testing.Benchmark(func(b *testing.B) {...})` run in production binaries). With a sibling
   * left unread, a file may be taken for production code (findings kept), never the reverse.
   */
  isTestCode(): boolean;
  /**
   * The syntax of the whole file, functions the diff does not touch included. A large file is
   * parsed only in part (header, declarations, touched functions); this parses it whole on first
   * use, so call it only when an answer depends on code outside the touched units.
   */
  wholeRoot(): GoNode;
  /** Line (1-based) of a string index. */
  lineOf(index: number): number;
  /** Per-analysis memo for facts shared by rules: computed once per file, whichever rule asks first. */
  memo<T>(key: string, compute: () => T): T;
  /**
   * Whether the file's Go version (`of: "file"`, see goVersion) or the module's go line
   * (`of: "module"`, see moduleGoVersion) is at least `version` ("1.22"); null when unknown.
   */
  goAtLeast(version: string, of?: "file" | "module"): boolean | null;
  /**
   * Local bindings of any function of the file (a unit's node, a func literal, or a declaration
   * of wholeRoot()), resolved once per function and shared by every rule. For a unit's node this
   * is the unit's `bindings`.
   */
  bindingsOf(fn: GoNode): Bindings;
  /**
   * The other files of the same package given to this analysis: the same directory and the same
   * package clause, both files under analysis and read-only context files (`SourceFile.context`).
   * Each is parsed whole on first use (lazily: a rule that never asks costs nothing) and lives
   * until the last analysed file of its directory is done, so its `memo` is shared by every
   * touched file of the package. A file analysed whole (or small enough to be parsed whole) is
   * itself that view: its siblings see the very tree and memo its own rules use, so a package
   * analysed in one call parses each file once and a per-file fact is computed once. Rules
   * read them for evidence (a helper's summary, the method that receives from a field) and never
   * report on them; a related location in one of them carries its `file`. Empty when the driver
   * gave no siblings (a single file, stdin).
   */
  packageFiles(): readonly FileView[];
  /**
   * False when the driver left files of this package unread (bounds, unreadable siblings:
   * `SourceFile.partialPackage`). A rule whose finding rests on an absence in the whole package
   * ("nothing in the package receives from s.results") stays silent then: the missing file may
   * hold the receive.
   */
  packageComplete(): boolean;
}

export interface Unit {
  kind: UnitKind;
  /** Stable name: `F`, `T.M` (pointer stripped), a type or var name. Used for fingerprints. */
  name: string;
  node: GoNode;
  /** The function body, for functions and methods. */
  body: GoNode | null;
  file: FileView;
  /** Local bindings and their uses (computed on first access). */
  readonly bindings: Bindings;
  /** Per-unit memo for shared facts. */
  memo<T>(key: string, compute: () => T): T;
  /**
   * Nodes of the given types in the unit (or under `within`, a node of the unit, itself included
   * when it matches), in source order. One walk of the unit, shared by every rule, serves the
   * common types: use this instead of `node.descendantsOfType(...)` over the unit.
   */
  nodes(types: string | readonly string[], within?: GoNode): GoNode[];
  /**
   * Nodes of the given types in function `fn` (the unit's node, or a func literal of the unit),
   * not inside the func literals nested in it (those literals themselves are included); `fn` excluded.
   */
  nodesInFunction(types: string | readonly string[], fn?: GoNode): GoNode[];
}

export interface TextEdit extends Span {
  text: string;
}

export interface Fix {
  /** One short sentence: what the fix does. */
  description: string;
  edits: TextEdit[];
}

export interface RelatedLocation extends Span {
  /** What this line is, in a few words ("ch is made here", "this return skips the receive"). */
  message: string;
  /**
   * The file the span is in, when it is another file of the package (one of
   * `FileView.packageFiles()`); absent: the finding's own file.
   */
  file?: FileView;
}

/** Values for a message template's `{{name}}` placeholders. */
export type MessageData = Readonly<Record<string, string | number>>;

export interface Diagnostic {
  /** The primary range: where the comment goes. */
  span: Span;
  /** Key of the rule's `meta.messages`; the engine renders the template with `data`. */
  messageId: string;
  data?: MessageData;
  related?: RelatedLocation[];
  fix?: Fix;
  /** Overrides the rule's severity (e.g. `warning` when the Go version is unknown). */
  severity?: Severity;
  /**
   * The harm ends with the test binary: a leak reached only after the test has already failed
   * (goleak's VerifyTestMain checks only when every test passed). Reported only with the
   * configuration's `test_findings: all`; the engine drops it under the default `bugs`.
   */
  testBounded?: boolean;
}

export interface RuleContext {
  unit: Unit;
  file: FileView;
  report(d: Diagnostic): void;
}

export interface RuleMeta {
  id: string;
  title: string;
  severity: Severity;
  fixable: boolean;
  /** One line for the rule table and the CLI. */
  summary: string;
  /** Two or three sentences shown under a review comment: why it leaks. */
  why: string;
  /** Link to the doc page. */
  docs: string;
  /**
   * The rule's messages by id (ESLint's `meta.messages`): one sentence each, lower-case start, no
   * final period, naming the identifier and the consequence; `{{name}}` is filled from the
   * diagnostic's `data`. The why belongs in `why`, the remedy in the fix's description.
   */
  messages: Readonly<Record<string, string>>;
  /**
   * An opinion rule (API design, not a bug): off in the App and the CLI unless the configuration
   * switches it on (`rules: { id: on }`, `--enable`, `--rule`). The engine itself runs the rules it is given.
   */
  optIn?: boolean;
  /**
   * Every finding of the rule in test code (FileView.isTestCode: a `_test.go` file or a
   * test-support package) is bounded by the test binary (a pending timer
   * dies with it, goleak does not see timers): reported there only with `test_findings: all`.
   */
  testFilesBounded?: boolean;
}

export interface Rule {
  meta: RuleMeta;
  /** Unit kinds the rule looks at. */
  kinds: readonly UnitKind[];
  /** Cheap exit before any unit is visited (e.g. "does the file import context?"). */
  appliesTo?(file: FileView): boolean;
  check(ctx: RuleContext): void;
}

/** 1-based line, 1-based column counted in UTF-8 bytes (like go vet); end exclusive. */
export interface Location {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface FindingFix {
  description: string;
  edits: (Location & { newText: string })[];
  /** The fix as a GitHub suggestion: replace whole lines startLine..endLine of the new file with `replacement`. */
  suggestion: { startLine: number; endLine: number; replacement: string };
}

/** A related location of a finding; `path` is set only when it is not the finding's own file. */
export type FindingRelated = Location & { message: string; path?: string };

export interface Finding extends Location {
  rule: string;
  severity: Severity;
  path: string;
  message: string;
  related: FindingRelated[];
  fix?: FindingFix;
  /** Name of the enclosing unit. */
  unit: string;
  /** Whitespace-normalised code of the flagged line(s): line-number independent identity. */
  code: string;
  docs: string;
  title: string;
  why: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}
