// A ticker or timer handed to code that outlives the function: a goroutine the function starts,
// or a func literal it passes to a call (`pool.Go(func(){...})`), which uses it directly or through
// local closures it calls. Only this rule asks (so it lives in its folder, not in rules/facts/).
//
//	check := func() {
//		select {
//		case <-stale.C:
//			stale.Reset(time.Minute)
//		default:
//		}
//	}
//	go func() {
//		for {
//			select {
//			case <-tick:
//				check() // the goroutine keeps using the timer after the function returns
//			case <-stop:
//				return
//			}
//		}
//	}()
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { closureCalls } from "../facts/calls.js";
import { contains, enclosingFunction } from "../facts/syntax.js";

/**
 * `u` runs in a func literal nested in `fn` that a `go` statement starts or that is handed to a
 * call as an argument, either inside it or in a local closure that such a literal calls (at any
 * depth of closures that are only called).
 */
export function handedToGoroutine(u: GoNode, fn: GoNode | null, unit: Unit): boolean {
  for (let lit = enclosingFunction(u); lit && lit.id !== fn?.id; lit = enclosingFunction(lit)) {
    if (lit.type !== "func_literal") return false;
    if (startedOrPassed(lit) || calledFromGoroutine(lit, unit)) return true;
  }
  return false;
}

/**
 * `u` sits in a closure of `fn` that the function only calls (`check := func() { ... }`, each use
 * `check()`), and one of those calls runs in a goroutine or handed literal (see handedToGoroutine).
 * A mention directly inside a started literal is not one: the caller judges that goroutine itself.
 */
export function closureRunsInGoroutine(u: GoNode, fn: GoNode | null, unit: Unit): boolean {
  for (let lit = enclosingFunction(u); lit && lit.id !== fn?.id; lit = enclosingFunction(lit)) {
    if (lit.type !== "func_literal" || closureCalls(lit, unit) === null) return false;
    if (calledFromGoroutine(lit, unit)) return true;
  }
  return false;
}

/** Some call of the closure `lit` is in a started or handed literal of the function that declares `lit` (not one around `lit` itself). */
function calledFromGoroutine(lit: GoNode, unit: Unit): boolean {
  const calls = closureCalls(lit, unit);
  const home = enclosingFunction(lit);
  return !!calls && calls.some((c) => !contains(lit, c) && handedToGoroutine(c, home, unit));
}

/** `go func() { ... }()`, or a func literal passed as an argument. */
function startedOrPassed(lit: GoNode): boolean {
  let n = lit;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  if (n.parent?.type === "argument_list") return true;
  const call = n.parent?.type === "call_expression" && n.parent.childForFieldName("function")?.id === n.id ? n.parent : null;
  return call?.parent?.type === "go_statement";
}
