// goroutine-send-leak: a goroutine that answers on one of two channels and stops. A select case
// that receives the goroutine's other answer is no way out for it, when the goroutine can no
// longer send on the channel judged once it has sent that answer; the same reading for goroutine
// literals (their body's graph) and for named goroutines (the callee's graph, maybe in a sibling
// file, read through its summary).
//
//	go func() {                        // or: go s.fetch(key, resc, errc)
//		if err != nil {
//			errc <- err
//			return                     // without it, the goroutine goes on to `resc <- v`:
//		}                              // taking errc below would leave it blocked there
//		resc <- v
//	}()
//	select {
//	case v := <-resc:
//	case err := <-errc:                // an answer: resc's sender has stopped
//	case <-ctx.Done():                 // a way out: both sends stay blocked
//	}
//
// An answer channel the goroutine sends on again and again (a decoder's frames or errors) is a
// stream: taking one of its values is judged by its receive count, never as a way out here.
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { cfgIn, cfgOf, type Cfg } from "../facts/cfg.js";
import { channels, type Channel, type ChanOp, type GoroutineSite } from "../facts/goroutines.js";
import { summarise, type FuncDecl } from "../facts/summaries.js";
import { argsOf, contains } from "../facts/syntax.js";

/** A goroutine the function starts, as the answer reading needs it. */
export interface Answerer {
  /** Its blocking and guarded sends on a channel of the function, as nodes of `cfg()`; undefined when some cannot be placed there. */
  sends(ch: Channel): GoNode[] | undefined;
  /** The graph of the goroutine's body (a literal's, or the named callee's). */
  cfg(): Cfg;
}

/** A goroutine literal (`go func() {...}()`, `g.Go(func() error {...})`). */
export function literalAnswerer(unit: Unit, site: GoroutineSite): Answerer {
  return {
    cfg: () => cfgOf(unit, site.lit),
    sends: (ch) => {
      // A send in a closure inside the literal (a deferred func) runs where the graph cannot place
      // it; a hand-off inside it (to code we cannot read) may send anywhere.
      const placed = (o: ChanOp) => (o.kind === "send" && o.site === site) || o.kind === "recv" || o.kind === "neutral" || o.kind === "close";
      if (ch.ops.some((o) => !placed(o) && contains(site.lit, o.node))) return undefined;
      return ch.ops.filter((o) => o.kind === "send" && o.site === site).map((o) => o.node);
    },
  };
}

/**
 * A named function or method started with `go` and handed the channels as arguments
 * (`go s.fetch(key, resc, errc)`): its sends are those of its summary on the matching parameter,
 * when every one is written in its own body (not in a helper it calls or a goroutine it starts).
 */
export function namedAnswerer(call: GoNode, decl: FuncDecl): Answerer {
  const args = argsOf(call);
  return {
    cfg: () => cfgIn(decl.file, decl.node),
    sends: (ch) => {
      const handed = ch.ops.filter((o) => o.kind === "escape");
      const i = args.findIndex((a) => handed.some((o) => o.node.id === a.id));
      // Handed to this goroutine alone (any other hand-off may reach it some other way).
      if (i < 0 || handed.length !== 1) return undefined;
      const s = summarise(decl);
      if (i >= s.params.length) return undefined;
      const mine = s.effects.filter((e) => e.target.kind === "param" && e.target.index === i);
      if (mine.some((e) => e.op !== "send" || e.in !== decl.key || e.inGoroutine || e.file.path !== decl.file.path || !contains(decl.node, e.node))) return undefined;
      return mine.map((e) => e.node);
    },
  };
}

/**
 * Once the goroutine has sent on `answer`, no path of its body reaches a send on `ch`: taking
 * that answer leaves it stopped (or at least not waiting on `ch`). Or `answer` is a stream: a path
 * from that send reaches a send on `answer` again (a decoder sending frame after frame); leaving
 * after one of its values is then the receive count's business, as for a value of `ch` itself
 * (whether more come is the peer's protocol).
 */
function stopsAfter(a: Answerer, answer: Channel, ch: Channel): boolean {
  const given = a.sends(answer);
  const owed = a.sends(ch);
  if (!given || !owed || given.length === 0) return false;
  const cfg = a.cfg();
  const reaches = (n: GoNode, sends: GoNode[]) => cfg.nodesOnPaths({ after: n }, (m) => sends.some((x) => contains(m, x))).length > 0;
  return given.every((n) => !!cfg.pointAfter(n) && (!reaches(n, owed) || reaches(n, given)));
}

/**
 * The communications of the receives' selects that take another answer of every sender of `ch`:
 * a receive from a channel each of them sends on, after which none can send on `ch` again.
 */
export function answerCases(unit: Unit, ch: Channel, recvs: ChanOp[], senders: Answerer[]): GoNode[] {
  if (senders.length === 0) return [];
  const out: GoNode[] = [];
  for (const r of recvs) {
    for (const c of r.select?.namedChildren ?? []) {
      const comm = c?.type === "communication_case" ? c.childForFieldName("communication") : null;
      if (!comm || contains(comm, r.id) || out.some((o) => o.id === comm.id)) continue;
      const answer = channels(unit).find((b) => b !== ch && b.ops.some((o) => o.kind === "recv" && contains(comm, o.node)));
      if (answer && senders.every((s) => stopsAfter(s, answer, ch))) out.push(comm);
    }
  }
  return out;
}
