// How many values a goroutine sends per run and how many goroutines a site starts (only this
// rule asks, so it lives in its folder, not in rules/facts/).
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { cfgOf, onceIn, tripCount } from "../facts/cfg.js";
import type { ChanOp, GoroutineSite } from "../facts/goroutines.js";
import { contains, loopBetween } from "../facts/syntax.js";

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
