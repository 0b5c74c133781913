// loopvar-capture: before Go 1.22 a `for` loop has one variable for all its iterations, so a
// closure that runs after its iteration, or a pointer kept past it, sees what the loop wrote last.
//
//	for _, v := range items {
//		go func() { handle(v) }()        // also defer func(){...}(), g.Go(func() error {...}),
//	}                                    // t.Run(name, func(t *testing.T) { t.Parallel(); ... })
//
//	for _, v := range items {
//		ptrs = append(ptrs, &v)          // every pointer points at the same v
//	}
import type { Binding, FileView, GoNode, RelatedLocation, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { compareVersion } from "../../src/analyzer/gofile.js";
import { cfgAt } from "../facts/cfg.js";
import { docsUrl } from "../facts/meta.js";
import { closureSites, inLoop, isWrite, joinAfter, loopsOf, type ClosureSite, type Loop } from "../facts/sync.js";
import { contains, indentAt, spanOf, unparen } from "../facts/syntax.js";

const rule: Rule = {
  meta: {
    id: "loopvar-capture",
    title: "Loop variable captured by a goroutine or deferred closure",
    severity: "error",
    fixable: true,
    summary: "before Go 1.22, a goroutine, deferred closure, g.Go or parallel subtest reads the loop variable, or &v is kept past the iteration",
    why:
      "Before Go 1.22 the loop variable is one variable that every iteration overwrites, and a closure holds a reference to it, not a copy. " +
      "A goroutine, a deferred call or a parallel subtest runs after the loop has moved on, so it reads a later value (a data race), " +
      "and every pointer taken with &v points at the same variable, which ends up holding the last element.",
    docs: docsUrl("loopvar-capture"),
  },
  kinds: ["func", "method"],
  appliesTo: (file) => beforeGo122(file) && /\bfor\b/.test(file.source),
  check,
};
export default rule;

const beforeGo122 = (file: FileView) => !file.goVersion || compareVersion(file.goVersion, { major: 1, minor: 22 }) < 0;

const SUBJECT = { go: "the goroutine", defer: "the deferred func literal", group: "the goroutine started by", subtest: "the parallel subtest" };
const CONSEQUENCE = {
  go: "so it can run after the loop has moved on and read a later value",
  group: "so it can run after the loop has moved on and read a later value",
  defer: "so every deferred call runs after the loop and reads the last value",
  subtest: "so every subtest reads the value of the last iteration",
};

function check(ctx: RuleContext): void {
  const { unit, file } = ctx;
  const loops = loopsOf(unit);
  if (loops.length === 0) return;
  const severity = file.goVersion ? undefined : ("warning" as const);
  const version = file.goVersion ? "" : " (the Go version is unknown, so the old loop semantics are assumed)";
  const copied = new Map<number, Set<string>>(); // statement list → names an earlier fix already copies

  for (const site of closureSites(unit)) {
    const hits: { loop: Loop; vars: Binding[] }[] = [];
    for (const loop of loops) {
      if (!inLoop(site, loop)) continue;
      const vars = loop.vars.filter((b) => b.uses.some((u) => contains(site.lit, u) && u.startIndex >= site.from));
      // The iteration ends right after the site (return, break, panic): the variable never changes again.
      if (vars.length === 0 || !cfgAt(unit, site.stmt)?.repeats(loop.node, { after: site.stmt })) continue;
      if (site.kind !== "defer" && joinAfter(site, loop, unit)) continue;
      hits.push({ loop, vars });
    }
    if (hits.length === 0) continue;
    const vars = hits.flatMap((h) => h.vars);
    const firstUse = vars.flatMap((b) => b.uses).filter((u) => contains(site.lit, u) && u.startIndex >= site.from).sort((a, b) => a.startIndex - b.startIndex)[0]!;
    const subject = site.kind === "group" ? `${SUBJECT.group} ${callee(site)}` : SUBJECT[site.kind];
    const shared = `which all iterations of ${loopLines(hits, file)} share before Go 1.22`;
    const message = site.parallel
      ? `${subject} reads ${varNames(vars)} after ${site.parallel.text} on line ${file.lineOf(site.parallel.startIndex)}, which holds the subtest back until ${loopLines(hits, file)} has finished; all its iterations share ${names(vars)} before Go 1.22, ${CONSEQUENCE.subtest}${version}`
      : `${subject} reads ${varNames(vars)}, ${shared}, ${CONSEQUENCE[site.kind]}${version}`;
    const related: RelatedLocation[] = [
      ...hits.map((h) => ({ ...headerSpan(h.loop), message: "this loop reuses one variable for all its iterations" })),
      { ...spanOf(firstUse), message: `${firstUse.text} is read here` },
    ];
    if (site.parallel) related.push({ ...spanOf(site.parallel), message: `${site.parallel.text} pauses the subtest until the parent test function returns` });
    ctx.report({
      span: firstLine(site.anchor, file),
      message,
      related,
      severity,
      fix: site.copyAt || !isLocalClosureCall(site) ? copyFix(unit, site.copyAt ?? site.stmt, hits, copied) : undefined,
    });
  }

  for (const loop of loops) {
    for (const b of loop.vars) {
      for (const use of b.uses) {
        const store = storeOf(use, loop, unit);
        if (!store || !cfgAt(unit, store.stmt)?.repeats(loop.node, { after: store.stmt }) || currentOnly(store, loop, unit)) continue;
        const hits = [{ loop, vars: [b] }];
        ctx.report({
          span: firstLine(store.stmt, file),
          message: `&${b.name} ${store.stmt.type === "send_statement" ? "sent on" : "stored in"} ${store.target.text} is the address of loop variable ${b.name}, which all iterations of ${loopLines(hits, file)} share before Go 1.22, so every stored pointer ends up pointing at the last value${version}`,
          related: [{ ...headerSpan(loop), message: "this loop reuses one variable for all its iterations" }],
          severity,
          fix: copyFix(unit, store.stmt, hits, copied, use),
        });
      }
    }
  }
}

/**
 * `&v` kept past the iteration, reported at the store:
 *
 *	ptrs = append(ptrs, &v)     m[k] = &v     s.cur = &Item{Ref: &v}     ch <- &v
 */
interface Store {
  stmt: GoNode;
  target: GoNode;
  /** A single slot (`x = &v`, `s.cur = &v`), not a collection that keeps every pointer. */
  slot: boolean;
}

function storeOf(use: GoNode, loop: Loop, unit: Unit): Store | undefined {
  let n = up(use);
  if (n.parent?.type !== "unary_expression" || n.parent.childForFieldName("operator")?.type !== "&") return undefined;
  n = up(n.parent);
  let appended = false;
  for (;;) {
    const p = n.parent;
    if (!p) return undefined;
    if (["literal_element", "keyed_element", "literal_value", "composite_literal"].includes(p.type)) n = up(p);
    else if (p.type === "unary_expression" && n.type === "composite_literal") n = up(p);
    else if (p.type === "argument_list" && isAppend(p.parent, unit) && p.namedChildren[0]?.id !== n.id) {
      n = up(p.parent!);
      appended = true;
    } else break;
  }
  const p = n.parent;
  let target: GoNode | null | undefined;
  let stmt: GoNode | undefined;
  if (p?.type === "send_statement" && p.childForFieldName("value")?.id === n.id) {
    stmt = p;
    target = p.childForFieldName("channel");
  } else if (p?.type === "expression_list" && p.parent?.type === "assignment_statement" && p.parent.childForFieldName("operator")?.type === "=") {
    stmt = p.parent;
    const right = p.namedChildren;
    const left = stmt.childForFieldName("left")?.namedChildren ?? [];
    if (left.length !== right.length) return undefined;
    target = left[right.findIndex((r) => r?.id === n.id)];
  }
  if (!stmt || !target || stmt.parent?.type !== "statement_list" || !inLoop(stmt, loop)) return undefined;
  const root = targetRoot(target);
  if (!root || root.text === "_") return undefined;
  const b = unit.bindings.resolve(root);
  if (b && contains(loop.node, b.id)) return undefined;
  const slot = !appended && stmt.type === "assignment_statement" && ["identifier", "selector_expression"].includes(unparen(target).type);
  return { stmt, target, slot };
}

/**
 * A single slot that only serves the current iteration: set on every iteration (it always points
 * at the current value, with or without per-iteration variables), or never read after the loop.
 *
 *	for _, p := range passes {
 *		f.pass = &p               // no continue before it; or no read of f.pass after the loop
 */
function currentOnly(store: Store, loop: Loop, unit: Unit): boolean {
  if (!store.slot) return false;
  // Every iteration that goes round passes the store.
  const cfg = cfgAt(unit, loop.node);
  if (cfg && !cfg.repeats(loop.node, { at: loop.body }, { avoid: (n: GoNode) => n.id === store.stmt.id })) return true;
  const text = unparen(store.target).text;
  const later = unit.node.descendantsOfType(["identifier", "selector_expression"]).some((n) => n && n.startIndex >= loop.node.endIndex && n.text === text);
  return !later;
}

function up(node: GoNode): GoNode {
  let n = node;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  return n;
}

function isAppend(call: GoNode | null, unit: Unit): boolean {
  const fn = call?.childForFieldName("function");
  return call?.type === "call_expression" && fn?.type === "identifier" && fn.text === "append" && !unit.bindings.resolve(fn);
}

/** `x`, `x.f`, `x[k]`, `*x` → `x`. */
function targetRoot(target: GoNode): GoNode | undefined {
  let t = unparen(target);
  for (;;) {
    if (t.type === "selector_expression" || t.type === "index_expression" || t.type === "unary_expression") t = unparen(t.childForFieldName("operand")!);
    else return t.type === "identifier" ? t : undefined;
  }
}

/**
 * Inserts `v := v` (or `k, v := k, v`) on its own line before the statement, when that is a
 * plain copy: the statement starts its line, the block declares no such name, the loop body never
 * writes the variable, and no earlier fix in the same block copies it already.
 */
function copyFix(unit: Unit, stmt: GoNode, hits: { loop: Loop; vars: Binding[] }[], copied: Map<number, Set<string>>, stored?: GoNode) {
  const source = unit.file.source;
  const list = stmt.parent;
  const lineStart = source.lastIndexOf("\n", stmt.startIndex - 1) + 1;
  if (list?.type !== "statement_list" || source.slice(lineStart, stmt.startIndex).trim() !== "") return undefined;
  const copies = hits.flatMap((h) => h.vars.map((b) => b.name));
  const done = copied.get(list.id) ?? new Set<string>();
  if (copies.some((n) => done.has(n))) return undefined;
  const writes = (h: { loop: Loop; vars: Binding[] }) => h.vars.some((b) => b.uses.some((u) => u.id !== stored?.id && contains(h.loop.body, u) && isWrite(u)));
  if (hits.some(writes)) return undefined;
  if (unit.bindings.all.some((b) => copies.includes(b.name) && declaredIn(b, list))) return undefined;
  copies.forEach((n) => done.add(n));
  copied.set(list.id, done);
  const eol = source[source.indexOf("\n", stmt.startIndex) - 1] === "\r" ? "\r\n" : "\n";
  const edit: TextEdit = { start: lineStart, end: lineStart, text: `${indentAt(source, stmt.startIndex)}${copies.join(", ")} := ${copies.join(", ")}${eol}` };
  return { description: `copy ${copies.join(", ")} into a per-iteration variable before the statement`, edits: [edit] };
}

/** Declared by a statement of the list itself: `v := ...`, `var v ...`, `const v ...`. */
function declaredIn(b: Binding, list: GoNode): boolean {
  const stmt = b.decl.type === "var_spec" || b.decl.type === "const_spec" ? b.decl.parent : b.decl;
  return (stmt?.parent?.type === "var_spec_list" ? stmt.parent.parent : stmt)?.parent?.id === list.id;
}

/** `go run()` / `defer undo()` of a closure kept in a local. */
function isLocalClosureCall(site: ClosureSite): boolean {
  return (site.kind === "go" || site.kind === "defer") && !contains(site.anchor, site.lit);
}

function callee(site: ClosureSite): string {
  const fn = site.anchor.childForFieldName("function");
  return fn ? fn.text : "Go";
}

function names(vars: Binding[]): string {
  const all = [...new Set(vars.map((b) => b.name))];
  return all.length === 1 ? all[0]! : `${all.slice(0, -1).join(", ")} and ${all[all.length - 1]}`;
}

const varNames = (vars: Binding[]) => `loop variable${new Set(vars.map((b) => b.name)).size > 1 ? "s" : ""} ${names(vars)}`;

function loopLines(hits: { loop: Loop }[], file: FileView): string {
  const lines = [...new Set(hits.map((h) => file.lineOf(h.loop.node.startIndex)))];
  return lines.length === 1 ? `the loop on line ${lines[0]}` : `the loops on lines ${lines.join(" and ")}`;
}

function headerSpan(loop: Loop) {
  return { start: loop.node.startIndex, end: loop.body.startIndex };
}

/** The node's span cut at the end of its first line. */
function firstLine(node: GoNode, file: FileView) {
  const nl = file.source.indexOf("\n", node.startIndex);
  return { start: node.startIndex, end: nl === -1 || nl > node.endIndex ? node.endIndex : nl };
}
