// How many values a goroutine sends per run and how many goroutines a site starts (only this
// rule asks, so it lives in its folder, not in rules/facts/).
import type { Binding, GoNode, Unit } from "../../src/analyzer/types.js";
import { cfgOf, tripCount } from "../facts/cfg.js";
import { isWrite } from "../facts/definitions.js";
import type { ChanOp, GoroutineSite } from "../facts/goroutines.js";
import { contains, descendantsInFunction, enclosingFunction, listOf, loopBetween, operatorOf, statementsOf, unparen } from "../facts/syntax.js";

/**
 * How many values one run of the goroutine sends at most, along the paths of its graph: a send
 * that a path can pass again (in a loop that goes round after it) makes it unbounded (Infinity),
 * unless a guard holds in one round of that loop only (`if i == K`, a `sent` flag): then once.
 */
export function sendsPerRun(site: GoroutineSite, sends: ChanOp[], unit: Unit): number {
  // A helper call read through its summary stands for its count of sends (its counted loops):
  // known alone, unknown (Infinity) next to other sends.
  const weight = sends.length === 1 ? (sends[0]!.via?.count ?? 1) : sends.some((s) => (s.via?.count ?? 1) > 1) ? Infinity : 1;
  if (!Number.isFinite(weight)) return Infinity;
  const nodes = new Set(sends.map((s) => s.node.id));
  return weight * cfgOf(unit, site.lit).maxOnPath(
    (n) => nodes.has(n.id),
    (n) => {
      const loop = loopBetween(n, site.lit);
      return loop && onceIn(n, loop, unit) ? loop : undefined;
    },
  );
}

/**
 * How many goroutines the site starts: 1, the product of constant loop counts, or Infinity.
 * With `per` (a channel's make call), only loops inside the loop that makes the channel count:
 * a loop around both the make and the `go` starts one goroutine per channel it makes.
 */
export function starts(site: GoroutineSite, unit: Unit, per?: GoNode): number {
  let n = 1;
  let inner: GoNode = site.stmt;
  for (let loop = loopBetween(site.stmt, site.home); loop; inner = loop, loop = loopBetween(loop, site.home)) {
    if (per && contains(loop, per)) break;
    if (!onceIn(inner, loop, unit)) n *= tripCount(loop)?.count ?? Infinity;
  }
  return n;
}

//	for i := 0; i < n; i++ {
//		if i == n/2 {                  // the counter is written only by the update: one round
//			half <- true
//		}
//	}
//	sent := false
//	for _, x := range xs {
//		if !sent && x.ok {             // set in the same branch before the round ends, never reset
//			first <- x
//			sent = true
//		}
//	}
/**
 * True when `node` runs at most once per run of `loop`, the innermost loop around it: an `if`
 * between them whose condition (or one of its `&&` terms) holds in one round only.
 */
export function onceIn(node: GoNode, loop: GoNode, unit: Unit): boolean {
  // A goto can go round inside the body without passing the loop's head.
  if (descendantsInFunction(loop, "goto_statement").length > 0) return false;
  const counter = counterOf(loop, unit);
  for (let n = node; n.parent && n.id !== loop.id; n = n.parent) {
    const s = n.parent;
    if (s.type !== "if_statement" || s.childForFieldName("consequence")?.id !== n.id) continue;
    for (const term of conjuncts(s.childForFieldName("condition"))) {
      if (counter && term.type === "binary_expression" && operatorOf(term) === "==" && oneRound(term, counter, loop, unit)) return true;
      if (term.type === "unary_expression" && operatorOf(term) === "!" && latched(unparen(term.childForFieldName("operand")!), n, loop, unit)) return true;
    }
  }
  return false;
}

function conjuncts(cond: GoNode | null): GoNode[] {
  if (!cond) return [];
  const c = unparen(cond);
  if (c.type === "binary_expression" && operatorOf(c) === "&&") return [...conjuncts(c.childForFieldName("left")), ...conjuncts(c.childForFieldName("right"))];
  return [c];
}

//	for i := K0; i < n; i++ {          // also i--, i += 2, i -= 2
//	for i, x := range xs {             // slice, array, map or string: a new index each round
//	for i := range 10 {
/** The counter of a loop that takes a new value each round and that only the loop writes. */
function counterOf(loop: GoNode, unit: Unit): Binding | undefined {
  let id: GoNode | undefined;
  const range = loop.namedChildren.find((c) => c?.type === "range_clause");
  if (range) {
    const left = listOf(range.childForFieldName("left"));
    const right = range.childForFieldName("right");
    if (!right) return undefined;
    if (left.length === 1 && right.type === "int_literal") id = left[0];
    else if (left.length === 2 && rangesValues(right, unit)) id = left[0];
  } else {
    const clause = loop.namedChildren.find((c) => c?.type === "for_clause");
    const init = clause?.childForFieldName("initializer");
    const update = clause?.childForFieldName("update");
    const left = init?.type === "short_var_declaration" ? listOf(init.childForFieldName("left")) : [];
    if (left.length !== 1 || !update || !steps(update, left[0]!.text)) return undefined;
    id = left[0];
  }
  const b = id?.type === "identifier" && id.text !== "_" ? unit.bindings.declaredBy(id) : undefined;
  if (!b) return undefined;
  const update = loop.namedChildren.find((c) => c?.type === "for_clause")?.childForFieldName("update");
  return b.uses.every((u) => !isWrite(u) || (!!update && contains(update, u))) ? b : undefined;
}

/** `i++`, `i--`, `i += 2`, `i -= 2`: a step that never repeats a value. */
function steps(update: GoNode, name: string): boolean {
  const target = update.type === "assignment_statement" ? listOf(update.childForFieldName("left")) : [update.namedChildren[0]];
  if (target.length !== 1 || target[0]?.type !== "identifier" || target[0].text !== name) return false;
  if (update.type === "inc_statement" || update.type === "dec_statement") return true;
  const by = listOf(update.childForFieldName("right"));
  const op = operatorOf(update);
  return (op === "+=" || op === "-=") && by.length === 1 && by[0]!.type === "int_literal" && Number(by[0]!.text.replace(/_/g, "")) !== 0;
}

/**
 * The two-variable range gives distinct first values: a slice, array, map or string (a function
 * iterator, Go 1.23, may yield a key twice: only before 1.23 is any two-variable range such).
 */
function rangesValues(right: GoNode, unit: Unit): boolean {
  const v = unit.file.goVersion;
  if (v && (v.major < 1 || (v.major === 1 && v.minor < 23))) return true;
  const x = unparen(right);
  if (x.type === "composite_literal" || x.type === "interpreted_string_literal" || x.type === "raw_string_literal") return true;
  const b = x.type === "identifier" ? unit.bindings.resolve(x) : undefined;
  return ["slice_type", "array_type", "map_type"].includes(b?.type?.type ?? "") || b?.type?.text === "string";
}

//	if i == K                          // K: literals, constants and locals nothing writes
/** `counter == K` (either side), with K the same in every round. */
function oneRound(eq: GoNode, counter: Binding, loop: GoNode, unit: Unit): boolean {
  const l = unparen(eq.childForFieldName("left")!);
  const r = unparen(eq.childForFieldName("right")!);
  const is = (x: GoNode) => x.type === "identifier" && unit.bindings.resolve(x) === counter;
  return (is(l) && invariant(r, loop, unit)) || (is(r) && invariant(l, loop, unit));
}

function invariant(x: GoNode, loop: GoNode, unit: Unit): boolean {
  switch (x.type) {
    case "int_literal":
    case "rune_literal":
    case "interpreted_string_literal":
    case "raw_string_literal":
      return true;
    case "parenthesized_expression":
      return invariant(unparen(x), loop, unit);
    case "unary_expression":
      return ["-", "+", "^"].includes(operatorOf(x)) && invariant(x.childForFieldName("operand")!, loop, unit);
    case "binary_expression":
      return ["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"].includes(operatorOf(x)) && invariant(x.childForFieldName("left")!, loop, unit) && invariant(x.childForFieldName("right")!, loop, unit);
    case "identifier": {
      const b = unit.bindings.resolve(x);
      // A package-level constant of this file, or a local set once (outside the loop) and never written.
      if (!b) return unit.file.decls.some((d) => d.kind === "const" && d.names.includes(x.text));
      return !contains(loop, b.id) && (b.kind === "const" || b.uses.every((u) => !isWrite(u)));
    }
    default:
      return false;
  }
}

//	sent := false
//	for ... {
//		if !sent {
//			ch <- v
//			sent = true                // in the branch, no continue before it
//		}
//	}
/**
 * `!flag` where the branch `then` (the if's consequence) sets the flag to true before the round
 * can end, the flag is declared outside the loop, and nothing in the loop sets it otherwise.
 */
function latched(flag: GoNode, then: GoNode, loop: GoNode, unit: Unit): boolean {
  const b = flag.type === "identifier" ? unit.bindings.resolve(flag) : undefined;
  if (!b || contains(loop, b.id) || b.kind !== "var") return false;
  const home = enclosingFunction(loop);
  const setTrue = (u: GoNode) => {
    const stmt = u.parent?.parent;
    const right = stmt?.type === "assignment_statement" && operatorOf(stmt) === "=" ? listOf(stmt.childForFieldName("right")) : [];
    return listOf(stmt?.childForFieldName("left")).length === 1 && right.length === 1 && right[0]!.type === "true";
  };
  // Inside the loop, only `flag = true`; outside it, writes in the same function (before or after the loop).
  for (const u of b.uses) {
    if (!isWrite(u)) continue;
    if (contains(loop, u) ? !setTrue(u) : enclosingFunction(u)?.id !== home?.id) return false;
  }
  for (const s of statementsOf(then)) {
    if (descendantsInFunction(s, ["continue_statement", "goto_statement"]).length > 0 || s.type === "continue_statement") return false;
    const target = s.type === "assignment_statement" ? listOf(s.childForFieldName("left"))[0] : undefined;
    if (target && unit.bindings.resolve(target) === b && setTrue(target)) return true;
  }
  return false;
}
