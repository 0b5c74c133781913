#!/usr/bin/env bash
# Checks the Go fixtures with a real Go toolchain: every fixture and golden file is gofmt-clean,
# and every fixture module, and its copy with the golden files in place, type-checks
# (go build + test compilation; go vet's own findings are expected in bad-code fixtures and only
# shown). Modules listed in fixtures/go-newer/*.txt need a newer Go than Debian's and are skipped.
# The Incorrect/Correct examples of the rule pages (rules/*/README.md, see scripts/doc-examples.ts)
# are written out as modules and checked the same way: gofmt-clean, and they type-check.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOPROXY=off GOFLAGS=-mod=readonly GO111MODULE=on GOCACHE="${GOCACHE:-/tmp/ptrguard-gocache}"
command -v go >/dev/null || { echo "check-go: go is not installed (apt-get install golang-go)"; exit 1; }

skipped=()
if compgen -G "fixtures/go-newer/*.txt" >/dev/null; then
  while read -r dir _; do [[ -n $dir && $dir != \#* ]] && skipped+=("fixtures/$dir"); done < <(cat fixtures/go-newer/*.txt)
fi
is_skipped() { local d; for d in "${skipped[@]}"; do [[ $1 == "$d" || $1 == "$d"/* ]] && return 0; done; return 1; }

fail=0
# fixtures/cli/broken, fixtures/cli/binary and fixtures/cli/latin1 are bad input on purpose (syntax errors, a binary, Latin-1 bytes).
unformatted=$(find fixtures \( -path fixtures/cli/broken -o -path fixtures/cli/binary -o -path fixtures/cli/latin1 \) -prune -o \( -name '*.go' -o -name '*.go.golden' \) -print | sort | while read -r f; do
  gofmt <"$f" 2>/dev/null | cmp -s - "$f" || echo "$f"
done)
if [[ -n $unformatted ]]; then echo "not gofmt-clean:"; echo "$unformatted"; fail=1; fi

typecheck() { # dir label
  # -o /dev/null: a fixture module that is one `package main` would otherwise get its executable.
  (cd "$1" && go build -o /dev/null ./... && go test -vet=off -count=1 -run '^$' ./... >/dev/null) || { echo "does not type-check: $2"; return 1; }
}

modules=$(find fixtures -name go.mod -printf '%h\n' | sort)
checked=0
for mod in $modules; do
  if is_skipped "$mod"; then echo "skipped (needs newer Go): $mod"; continue; fi
  (cd "$mod" && go vet ./... >/dev/null 2>&1) || true
  typecheck "$mod" "$mod" || fail=1
  if [[ -n $(find "$mod" -name '*.go.golden' -print -quit) ]]; then
    tmp=$(mktemp -d)
    cp -r "$mod/." "$tmp/"
    find "$tmp" -name '*.go.golden' | while read -r g; do mv "$g" "${g%.golden}"; done
    # A relative `replace` (a stand-in module under fixtures/stubs) must still resolve from the copy.
    sed -i -E "s#=> (\.[^ ]*)#=> $(cd "$mod" && pwd)/\1#" "$tmp/go.mod"
    typecheck "$tmp" "$mod (golden files)" || fail=1
    rm -rf "$tmp"
  fi
  checked=$((checked + 1))
done
examples=$(mktemp -d)
trap 'rm -rf "$examples"' EXIT
npx --no-install tsx scripts/doc-examples.ts "$examples"
unformatted=$(find "$examples" -name '*.go' | sort | while read -r f; do
  gofmt <"$f" 2>/dev/null | cmp -s - "$f" || echo "${f#"$examples"/}"
done)
if [[ -n $unformatted ]]; then echo "rule page examples not gofmt-clean (rule/kind-line):"; echo "$unformatted"; fail=1; fi
for mod in $(find "$examples" -name go.mod -printf '%h\n' | sort); do
  typecheck "$mod" "rule page example ${mod#"$examples"/}" || fail=1
  checked=$((checked + 1))
done

echo "check-go: $checked modules type-checked (rule page examples included), ${#skipped[@]} listed as needing newer Go"
exit $fail
