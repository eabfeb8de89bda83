#!/usr/bin/env bash
# localhost/litmus-contract:testbed: one static Go binary (stdlib only, CGO_ENABLED=0) at /litmus-contract that
# plays a litmus-go experiment by its contract (see main.go). Image convention (tests/cluster/images.sh):
#     bash build.sh ROOTFS META        fills ROOTFS, writes META/entrypoint
# Tests also run it as `bash build.sh OUTDIR` to get the binary alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh ROOTFS [META]}
mkdir -p "$out"
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
cd "$here"
CGO_ENABLED=0 GOFLAGS=-trimpath "$GO" build -ldflags='-s -w' -o "$out/litmus-contract" .
if [ -n "${2:-}" ]; then
  mkdir -p "$out/tmp" && chmod 1777 "$out/tmp"
  echo '["/litmus-contract"]' >"$2/entrypoint"
fi
