// A small Go module in a fresh git repository, for the CLI tests: a lost-cancel bug (error) and a
// context kept in a struct (warning), committed; helpers to change it as a developer would.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const LOST_CANCEL = `package svc

import (
	"context"
	"time"
)

// Fetch asks the backend with a deadline.
func Fetch(parent context.Context) error {
	ctx, _ := context.WithTimeout(parent, time.Second)
	return ctx.Err()
}
`;

export const CTX_IN_STRUCT = `package svc

import "context"

// Server keeps the request's context.
type Server struct {
	ctx context.Context
}
`;

export const CLEAN = `package svc

func Add(a, b int) int {
	return a + b
}
`;

export interface GoRepo {
  dir: string;
  git(...args: string[]): string;
  write(file: string, text: string): void;
}

/** go.mod and svc/clean.go committed on `main`; nothing else. */
export function goRepo(): GoRepo {
  const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-repo-"));
  const git = (...args: string[]) => {
    const r = spawnSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  write("go.mod", "module example.com/shop\n\ngo 1.21\n");
  write("svc/clean.go", CLEAN);
  git("init", "-q");
  git("add", ".");
  git("commit", "-qm", "base");
  return { dir, git, write };
}
