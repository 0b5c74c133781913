// Reads the Dockerfile and .dockerignore, and replays a build in plain directories, so the
// production smoke test follows the image's real steps on a machine without a Docker engine.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";

export interface Instruction {
  op: string;
  args: string;
}

/** Instructions in order; continuation lines joined, comments and blank lines dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!pending && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    const m = /^(\w+)\s+(.*)$/.exec(full);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() });
  }
  return out;
}

/** True when `.dockerignore` keeps `rel` (a context-relative path) in the build context. */
export function dockerignoreFilter(ignoreText: string): (rel: string) => boolean {
  const rules = ignoreText
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negated = l.startsWith("!");
      const pattern = (negated ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
      return { negated, match: picomatch(pattern, { dot: true }) };
    });
  return (rel) => {
    const parts = rel.split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let kept = true;
    for (const r of rules) if (prefixes.some((p) => r.match(p))) kept = r.negated;
    return kept;
  };
}

export interface Stage {
  name: string;
  image: string;
  dir: string;
  env: Record<string, string>;
  user?: string;
  expose: number[];
  healthcheck?: string[];
  cmd?: string[];
}

export interface ReplayOptions {
  context: string;
  workdir: string;
  /** Extra environment for RUN steps (e.g. a private npm cache). */
  runEnv: NodeJS.ProcessEnv;
  /**
   * Replaces a RUN step: return true when handled. The smoke test links the repository's
   * node_modules for the build stage's full `npm ci` (same lockfile) rather than install twice.
   */
  substitute?: (stage: Stage, command: string) => boolean;
  log?: (line: string) => void;
}

/** Replays every stage into `workdir/<stage>`; the image's `/app` is each stage's directory. */
export function replay(instructions: Instruction[], options: ReplayOptions): Stage[] {
  const keep = dockerignoreFilter(existsSync(path.join(options.context, ".dockerignore")) ? readFileSync(path.join(options.context, ".dockerignore"), "utf8") : "");
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  const at = (p: string) => {
    if (!stage) throw new Error("instruction before FROM");
    const rel = p.startsWith("/app") ? p.slice(4) : p;
    if (p.startsWith("/") && !p.startsWith("/app")) throw new Error(`the replay only knows /app, not ${p}`);
    return path.join(stage.dir, rel);
  };
  for (const ins of instructions) {
    options.log?.(`${ins.op} ${ins.args}`);
    switch (ins.op) {
      case "FROM": {
        const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
        if (!m) throw new Error(`FROM ${ins.args}`);
        const name = m[2] ?? `stage${stages.length}`;
        stage = { name, image: m[1]!, dir: path.join(options.workdir, name), env: {}, expose: [] };
        mkdirSync(stage.dir, { recursive: true });
        stages.push(stage);
        break;
      }
      case "WORKDIR":
        if (ins.args !== "/app") throw new Error(`the replay expects WORKDIR /app, got ${ins.args}`);
        break;
      case "ENV":
        for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage!.env[m[1]!] = m[2]!.replace(/^"|"$/g, "");
        break;
      case "COPY": {
        const words = ins.args.split(/\s+/);
        const from = words[0]!.startsWith("--from=") ? words.shift()!.slice(7) : undefined;
        if (words.some((w) => w.startsWith("--"))) throw new Error(`COPY flag not replayed: ${ins.args}`);
        const dest = at(words.pop()!);
        for (const src of words) {
          if (from) {
            const source = stages.find((s) => s.name === from);
            if (!source) throw new Error(`COPY --from=${from}: no such stage`);
            const p = src.startsWith("/app") ? path.join(source.dir, src.slice(4)) : src;
            cpSync(p, dest, { recursive: true });
          } else copyFromContext(options.context, src, dest, keep);
        }
        break;
      }
      case "RUN":
        if (options.substitute?.(stage!, ins.args)) break;
        try {
          execFileSync("sh", ["-c", ins.args], { cwd: stage!.dir, env: { ...process.env, ...stage!.env, ...options.runEnv }, stdio: "pipe", timeout: 180_000 });
        } catch (err) {
          const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
          throw new Error(`RUN ${ins.args} (stage ${stage!.name}) failed: ${e.message.split("\n")[0]}\n${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`);
        }
        break;
      case "USER":
        stage!.user = ins.args;
        break;
      case "EXPOSE":
        stage!.expose.push(...ins.args.split(/\s+/).map((p) => Number.parseInt(p, 10)));
        break;
      case "HEALTHCHECK": {
        const m = /\bCMD\s+(\[.*\])\s*$/.exec(ins.args);
        if (!m) throw new Error("HEALTHCHECK must use the exec form CMD [...]");
        stage!.healthcheck = JSON.parse(m[1]!) as string[];
        break;
      }
      case "CMD":
        stage!.cmd = JSON.parse(ins.args) as string[];
        break;
      default:
        throw new Error(`the replay does not know ${ins.op}`);
    }
  }
  return stages;
}

function copyFromContext(context: string, src: string, dest: string, keep: (rel: string) => boolean): void {
  const rel = path.posix.normalize(src).replace(/^\.\//, "").replace(/\/$/, "");
  const full = path.join(context, rel);
  if (!keep(rel) || !existsSync(full)) throw new Error(`COPY ${src}: not in the build context`);
  if (statSync(full).isFile()) {
    const target = dest.endsWith(path.sep) || (existsSync(dest) && statSync(dest).isDirectory()) ? path.join(dest, path.basename(full)) : dest;
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(full, target);
    return;
  }
  const walk = (relDir: string) => {
    for (const e of readdirSync(path.join(context, relDir), { withFileTypes: true })) {
      const r = `${relDir}/${e.name}`;
      if (!keep(r)) continue;
      if (e.isDirectory()) walk(r);
      else {
        const target = path.join(dest, path.relative(rel, r));
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(path.join(context, r), target);
      }
    }
  };
  walk(rel);
}

/** Links a directory (the repository's node_modules) into a stage. */
export function linkInto(stage: Stage, target: string, name: string): void {
  symlinkSync(target, path.join(stage.dir, name), "dir");
}
