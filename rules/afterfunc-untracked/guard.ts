// afterfunc-untracked: a timer armed under a "running" flag that only its callback clears. At most
// one such timer is pending per object: the flag is set when the timer is armed, the next call
// sees it and starts nothing, and only the callback (once the timer has fired) sets it back.
//
//	func (c *Cache) used(e *entry) {
//		if !c.expireRunning {
//			time.AfterFunc(c.expireInterval, c.cacheExpire)   // silent: one timer at a time
//			c.expireRunning = true
//		}
//	}
//	func (c *Cache) cacheExpire() {
//		...
//		if len(c.cache) != 0 {
//			time.AfterFunc(c.expireInterval, c.cacheExpire)
//			c.expireRunning = true
//		} else {
//			c.expireRunning = false
//		}
//	}
import type { FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { contains, statementOf, statementsOf, unparen } from "../facts/syntax.js";

/**
 * The AfterFunc statement is in the block of `if !x.flag { ... }`, that block sets `x.flag = true`,
 * and every other write of a `flag` field in the package (its _test.go files only for a finding in
 * a test file) is `= true`, a `flag: false` of a composite literal (a new object has no timer), or
 * an assignment inside the callback (`f`'s func literal, or the method `f` names, declared once
 * and called nowhere in the package: only the timer runs it).
 */
export function guardedByFlag(call: GoNode, f: GoNode, unit: Unit): boolean {
  const stmt = statementOf(call);
  const block = stmt?.parent?.type === "statement_list" ? stmt.parent.parent : stmt?.parent;
  const ifs = block?.parent;
  if (!stmt || !block || ifs?.type !== "if_statement" || ifs.childForFieldName("consequence")?.id !== block.id) return false;
  const cond = unparen(ifs.childForFieldName("condition")!);
  if (cond.type !== "unary_expression" || cond.childForFieldName("operator")?.text !== "!") return false;
  const flag = unparen(cond.childForFieldName("operand")!);
  if (flag.type !== "selector_expression") return false;
  const field = flag.childForFieldName("field")!.text;
  const setsFlag = statementsOf(block).some((s) => s.type === "assignment_statement" && isWrite(s, flag.text, "true"));
  if (!setsFlag) return false;
  const callback = callbackBody(f, unit);
  if (!callback) return false;
  const files = [unit.file, ...unit.file.packageFiles()].filter((x) => unit.file.isTest || !x.isTest);
  for (const file of files) {
    if (!file.source.includes(field)) continue;
    for (const a of file.wholeRoot().descendantsOfType("assignment_statement")) {
      if (!a) continue;
      const left = a.childForFieldName("left")?.namedChildren ?? [];
      const at = left.findIndex((l) => l?.type === "selector_expression" && l.childForFieldName("field")?.text === field);
      if (at < 0) continue;
      const right = a.childForFieldName("right")?.namedChildren[at];
      if (right?.text === "true" && a.childForFieldName("operator")?.text === "=") continue;
      if (!inCallback(a, file, callback, unit)) return false;
    }
  }
  return true;
}

/** `x.flag = value` (one target). */
function isWrite(a: GoNode, target: string, value: string): boolean {
  const left = a.childForFieldName("left")?.namedChildren ?? [];
  const right = a.childForFieldName("right")?.namedChildren ?? [];
  return left.length === 1 && left[0]?.text.replace(/\s+/g, "") === target.replace(/\s+/g, "") && right[0]?.text === value && a.childForFieldName("operator")?.text === "=";
}

type Callback = { literal: GoNode } | { method: string };

/** The callback: a func literal, or a method value `x.m` (a method name declared once in the package and never called). */
function callbackBody(f: GoNode, unit: Unit): Callback | undefined {
  if (f.type === "func_literal") return { literal: f };
  if (f.type !== "selector_expression") return undefined;
  const name = f.childForFieldName("field")!.text;
  let decls = 0;
  const calls = new RegExp(`\\.${name}\\s*\\(`);
  for (const file of [unit.file, ...unit.file.packageFiles()].filter((x) => unit.file.isTest || !x.isTest)) {
    if (!file.source.includes(name)) continue;
    if (calls.test(file.source)) return undefined;
    decls += file.wholeRoot().namedChildren.filter((d) => d?.type === "method_declaration" && d.childForFieldName("name")?.text === name).length;
  }
  return decls === 1 ? { method: name } : undefined;
}

function inCallback(node: GoNode, file: FileView, cb: Callback, unit: Unit): boolean {
  if ("literal" in cb) return file.path === unit.file.path && contains(cb.literal, node) && node.startIndex >= cb.literal.startIndex;
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === "func_literal") continue;
    if (p.type === "method_declaration") return p.childForFieldName("name")?.text === cb.method;
    if (p.type === "function_declaration") return false;
  }
  return false;
}
