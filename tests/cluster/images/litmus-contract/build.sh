#!/usr/bin/env bash
# Builds the litmus-contract binary (static, stdlib only) into $1 (default: ./out). The image is that one
# file at /litmus-contract, entrypoint ["/litmus-contract"]; node-infra's image step packs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/out}
mkdir -p "$out"
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
cd "$here"
CGO_ENABLED=0 GOFLAGS=-trimpath "$GO" build -ldflags='-s -w' -o "$out/litmus-contract" .
echo "$out/litmus-contract"
