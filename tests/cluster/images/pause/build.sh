#!/usr/bin/env bash
# localhost/pause:testbed: a static pause program and nothing else.
set -euo pipefail
cc -static -Os -s -o "$1/pause" pause.c
echo '["/pause"]' >"$2/entrypoint"
echo '65535:65535' >"$2/user"
