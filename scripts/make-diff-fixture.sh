#!/usr/bin/env bash
# Regenerates fixtures/diffs/<case>/change.diff: the `git diff` from base/ to head/.
set -euo pipefail
dir=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$dir/base/." "$tmp/"
git -C "$tmp" init -q && git -C "$tmp" add -A && git -C "$tmp" -c user.email=x@y -c user.name=x commit -qm base
rm -rf "${tmp:?}"/* && cp -r "$dir/head/." "$tmp/"
git -C "$tmp" add -A
git -C "$tmp" diff --cached --no-color > "$dir/change.diff"
