#!/usr/bin/env bash
# localhost/chaos-tools:testbed: busybox plus the real nsenter, tc, ip and stress-ng (with their shared libraries)
# for helper pods of network and stress faults. tc's netem distribution tables come along when present.
set -euo pipefail
. "$IMAGES_LIB"
busybox_rootfs "$1"
tools=()
for t in nsenter tc ip stress-ng; do
  p=$(command -v "$t") || { echo "chaos-tools: $t not found (apt-get install util-linux iproute2 stress-ng)" >&2; exit 1; }
  tools+=("$(readlink -f "$p")")
done
copy_with_libs "$1" "${tools[@]}"
for t in "${tools[@]}"; do                  # also under the names on PATH (/usr/bin/ip may be a link to /bin/ip)
  for d in /usr/bin /usr/sbin; do [ -e "$1$d/$(basename "$t")" ] || [ -L "$1$d/$(basename "$t")" ] || continue
    [ "$(readlink "$1$d/$(basename "$t")")" = /bin/busybox ] && ln -sf "$t" "$1$d/$(basename "$t")"; done
done
for d in /usr/lib/tc /usr/lib/x86_64-linux-gnu/tc /usr/share/tc; do [ -d "$d" ] && mkdir -p "$1$d" && cp -r "$d/." "$1$d/"; done
echo '["sh"]' >"$2/cmd"
