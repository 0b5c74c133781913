// goroutine-send-leak, issue 10 shape 7: the sender's select "can give up" only on the Done() of a
// context that is never cancelled, so it is no way out (facts/contexts.ts, read by mayLeave); the
// finding says so.
//
//	func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
//		bg := context.Background()           // the caller's ctx was at hand
//		out := make(chan []byte)             // reported here
//		go func() {
//			select {
//			case out <- s.load(key):
//			case <-bg.Done():                // never fires
//			}
//		}()
//		if key == "" {
//			return nil, errEmpty             // leaves without receiving: the goroutine blocks forever
//		}
//		return <-out, nil
//	}
import type { GoNode, RelatedLocation, Unit } from "../../src/analyzer/types.js";
import { deadContext, type DeadContext } from "../facts/contexts.js";
import type { ChanOp } from "../facts/goroutines.js";
import { contains, spanOf } from "../facts/syntax.js";

export interface Uncancelled {
  dead: DeadContext;
  /** The select case's communication, `<-bg.Done()`. */
  comm: GoNode;
}

/** A select case of one of these sends that waits on a context that is never done. */
export function uncancelledCase(sends: ChanOp[], unit: Unit): Uncancelled | undefined {
  for (const s of sends) {
    for (const c of s.select?.namedChildren ?? []) {
      if (c?.type !== "communication_case" || contains(c, s.id)) continue;
      const dead = deadContext(c, unit);
      const comm = c.childForFieldName("communication");
      if (dead && comm) return { dead, comm };
    }
  }
  return undefined;
}

export function uncancelledRelated(u: Uncancelled): RelatedLocation[] {
  return [
    { ...spanOf(u.comm), message: `this case never fires: ${u.dead.name} is never done` },
    { ...spanOf(u.dead.origin), message: `${u.dead.origin.text} is never cancelled; the caller's ${u.dead.param.text} was at hand` },
  ];
}
