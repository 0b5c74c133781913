// goroutine-send-leak across functions: a function of the package returns a channel that a
// goroutine it starts sends on, with no way to give up (no select on a cancellation), and the
// caller drops the channel or stops reading it early.
//
//	func Watch() <-chan Event {         // (maybe in another file)
//		ch := make(chan Event)
//		go func() { for { ch <- next() } }()
//		return ch
//	}
//	for ev := range Watch() {
//		if ev.Last {
//			break                      // reported: the producer blocks forever on its next send
//		}
//	}
//	Watch()                            // reported: the channel is dropped
import type { FileView, GoNode, RelatedLocation, RuleContext, Unit } from "../../src/analyzer/types.js";
import { cfgOf } from "../facts/cfg.js";
import { calleeOf, summarise } from "../facts/summaries.js";
import { enclosingFunction, spanOf, unparen } from "../facts/syntax.js";

const fileName = (f: FileView) => f.path.slice(f.path.lastIndexOf("/") + 1);
const at = (unit: Unit, file: FileView): Pick<RelatedLocation, "file"> => (file.path === unit.file.path ? {} : { file });

export function checkProducers(ctx: RuleContext): void {
  const { unit } = ctx;
  // Only a function of the package declared to return a channel can be a producer: by name first.
  const producers = chanReturning(unit.file);
  if (producers.size === 0) return;
  for (const call of unit.nodes("call_expression")) {
    if (!call) continue;
    const f = call.childForFieldName("function");
    const name = f?.type === "selector_expression" ? f.childForFieldName("field")?.text : f?.type === "identifier" ? f.text : undefined;
    if (!name || !producers.has(name)) continue;
    const home = enclosingFunction(call);
    if (!home) continue;
    const parent = call.parent;
    const dropped = parent?.type === "expression_statement" || parent?.type === "go_statement" || parent?.type === "defer_statement";
    const ranged = parent?.type === "range_clause" && parent.childForFieldName("right")?.id === call.id ? parent.parent : null;
    const bound = !dropped && !ranged ? rangedLocal(unit, call) : null;
    if (!dropped && !ranged && !bound) continue;
    const decl = calleeOf(call, { file: unit.file, bindings: unit.bindings, fn: home });
    if (!decl) continue;
    const s = summarise(decl);
    const p = s.produces;
    if (!p || p.guarded) continue;
    const sendAt = `${fileName(decl.file)}:${decl.file.lineOf(p.send.startIndex)}`;
    const related: RelatedLocation[] = [
      { ...spanOf(p.send), ...at(unit, decl.file), message: `${decl.name}()'s goroutine sends here, with no way to give up` },
    ];
    if (dropped) {
      ctx.report({ span: spanOf(call), messageId: "producerDropped", data: { callee: `${decl.name}()`, at: sendAt }, related });
      continue;
    }
    const loop = (ranged ?? bound)!;
    const early = cfgOf(unit, home)
      .loopExits(loop)
      .find((n) => n.type === "return_statement" || n.type === "break_statement" || n.type === "goto_statement");
    if (!early) continue;
    ctx.report({
      span: spanOf(early),
      messageId: "producerLeft",
      data: { jump: early.type.replace("_statement", ""), callee: `${decl.name}()`, at: sendAt },
      related: [...related, { ...spanOf(call), message: `the channel ${decl.name}() returns is read from here` }],
    });
  }
}

/** `ch := f()` followed by `for v := range ch`, ch used nowhere else: the ranging loop. */
function rangedLocal(unit: Unit, call: GoNode): GoNode | null {
  const list = call.parent;
  const decl = list?.parent;
  if (list?.type !== "expression_list" || decl?.type !== "short_var_declaration" || list.namedChildren.length !== 1) return null;
  const id = decl.childForFieldName("left")?.namedChildren[0];
  const b = id ? unit.bindings.declaredBy(id) : undefined;
  if (!b || b.uses.length !== 1) return null;
  const use = unparen(b.uses[0]!);
  const clause = use.parent;
  return clause?.type === "range_clause" && clause.childForFieldName("right")?.id === use.id ? clause.parent : null;
}


/** Names of the package's functions and methods whose result type mentions a channel. */
function chanReturning(file: FileView): Set<string> {
  return file.memo("send-leak.chanReturning", () => {
    const names = new Set<string>();
    for (const f of [file, ...file.packageFiles()]) {
      const own = f.memo("send-leak.fileChanReturning", () => {
        const out: string[] = [];
        if (!f.source.includes("chan")) return out;
        // From the text, not the tree (a large file is parsed only in part): every function whose
        // signature, up to the `{` that ends its line, mentions chan. A superset of those returning
        // a channel; calleeOf and the summary decide.
        const src = f.source;
        for (const m of src.matchAll(/^func[ \t]*(?:\([^)\n]*\)[ \t]*)?([\p{L}_][\p{L}\p{N}_]*)/gmu)) {
          const end = src.indexOf("{\n", m.index);
          const header = src.slice(m.index, end < 0 ? src.length : end);
          if (header.includes("chan")) out.push(m[1]!);
        }
        return out;
      });
      for (const n of own) names.add(n);
    }
    return names;
  });
}
