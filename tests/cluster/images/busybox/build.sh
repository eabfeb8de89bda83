#!/usr/bin/env bash
# localhost/busybox:testbed: a target workload with a shell (Debian's busybox-static; its applets differ from GNU's).
set -euo pipefail
. "$IMAGES_LIB"
busybox_rootfs "$1"
echo '["sh"]' >"$2/cmd"
