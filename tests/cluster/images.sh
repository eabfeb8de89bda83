#!/usr/bin/env bash
# images.sh: container images for the real node, with no Docker and no registry. Each image is an OCI archive
# (oci-layout, index.json, blobs: one uncompressed layer, a config, a manifest) written here by hand, cached in
# $TESTBED_CACHE/images/, and imported into the node's containerd with `ctr -n k8s.io images import`.
#
# Adding an image (the convention): create tests/cluster/images/<name>/build.sh. It is run as
#     bash build.sh ROOTFS META            (cwd: its own directory; env: IMAGES_LIB, TESTBED_CACHE, REPO)
# and fills the empty directory ROOTFS with the image's files. It may write into META:
#     entrypoint, cmd, env   JSON arrays, e.g. ["/pause"] or ["PATH=/bin"]    (env default: a PATH)
#     user, workdir          plain strings, e.g. 65534:65534 or /app
#     tag                    the image name (default localhost/<name>:testbed)
# `. "$IMAGES_LIB"` gives helpers: busybox_rootfs ROOTFS (busybox with all applet links, /etc/passwd, /tmp) and
# copy_with_libs ROOTFS FILE... (dynamically linked programs plus the shared libraries they load).
# The archive is rebuilt when any file of that directory (or this script or lib.sh) changes; every image of
# tests/cluster/images/ is imported when the node comes up, so a pod can use it with imagePullPolicy IfNotPresent.
#
# usage: images.sh build                  build every missing image of tests/cluster/images/ (a no-op when cached)
#        images.sh paths                  print the archive path of each image (building what is missing)
#        images.sh chaoslet [--load]      build localhost/chaoslet:dev from the Dockerfile; --load: import it into
#                                         the real node of $TESTBED_DIR (what `deno task image` runs)
#        images.sh chaoslet-path          print that archive's path (empty if not built)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${TESTBED_CACHE:-$HOME/.cache/k8s-testbed}
OUT=$CACHE/images
export IMAGES_LIB=$HERE/images/lib.sh TESTBED_CACHE=$CACHE REPO
say() { echo "images: $*" >&2; }
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)

sha() { sha256sum "$1" | cut -d' ' -f1; }
key_of() {                                  # key_of DIR: a hash of this builder and every file of DIR
  { sha "$HERE/images.sh"; sha "$IMAGES_LIB"; find "$1" -type f -print0 | sort -z | xargs -0 sha256sum; } \
    | sha256sum | cut -c1-16
}

# oci_pack ROOTFS META TAG ARCHIVE: one-layer OCI image archive of ROOTFS (owner root, mtime 0: reproducible)
oci_pack() {
  local rootfs=$1 meta=$2 tag=$3 archive=$4 t ld ls cfg cd cs md ms
  t=$(mktemp -d "$OUT/.pack.XXXXXX")
  mkdir -p "$t/blobs/sha256"
  tar -C "$rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$t/layer.tar" .
  ld=$(sha "$t/layer.tar"); ls=$(stat -c %s "$t/layer.tar"); mv "$t/layer.tar" "$t/blobs/sha256/$ld"
  rd() { if [ -s "$meta/$1" ]; then cat "$meta/$1"; else echo "$2"; fi; }
  cfg=$(jq -cn --arg arch "$ARCH" --arg diff "sha256:$ld" \
    --argjson ep "$(rd entrypoint null)" --argjson cmd "$(rd cmd null)" \
    --argjson env "$(rd env '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]')" \
    --arg user "$(rd user '')" --arg wd "$(rd workdir '')" --argjson ports "$(rd ports '{}')" \
    '{architecture: $arch, os: "linux", rootfs: {type: "layers", diff_ids: [$diff]},
      config: ({Env: $env} + (if $ep then {Entrypoint: $ep} else {} end) + (if $cmd then {Cmd: $cmd} else {} end)
               + (if $user != "" then {User: $user} else {} end) + (if $wd != "" then {WorkingDir: $wd} else {} end)
               + (if $ports != {} then {ExposedPorts: $ports} else {} end))}')
  printf '%s' "$cfg" >"$t/cfg"; cd=$(sha "$t/cfg"); cs=$(stat -c %s "$t/cfg"); mv "$t/cfg" "$t/blobs/sha256/$cd"
  jq -cn --arg cd "sha256:$cd" --argjson cs "$cs" --arg ld "sha256:$ld" --argjson ls "$ls" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $ld, size: $ls}]}' | tr -d '\n' >"$t/man"
  md=$(sha "$t/man"); ms=$(stat -c %s "$t/man"); mv "$t/man" "$t/blobs/sha256/$md"
  jq -cn --arg md "sha256:$md" --argjson ms "$ms" --arg tag "$tag" --arg arch "$ARCH" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md,
      size: $ms, platform: {architecture: $arch, os: "linux"},
      annotations: {"io.containerd.image.name": $tag, "org.opencontainers.image.ref.name": ($tag | sub(".*:"; ""))}}]}' \
    >"$t/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$t/oci-layout"
  tar -C "$t" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$archive.new" oci-layout index.json blobs
  mv "$archive.new" "$archive"
  rm -rf "$t"
}

build_one() {                               # build_one DIR: prints the archive path; builds it when missing
  local dir=$1 name key archive rootfs meta tag t0=$SECONDS
  name=$(basename "$dir"); key=$(key_of "$dir"); archive=$OUT/$name-$key.tar
  if [ ! -s "$archive" ]; then
    mkdir -p "$OUT"
    rootfs=$(mktemp -d "$OUT/.rootfs.XXXXXX"); meta=$(mktemp -d "$OUT/.meta.XXXXXX")
    ( cd "$dir" && bash ./build.sh "$rootfs" "$meta" ) >&2 || { rm -rf "$rootfs" "$meta"; say "building $name FAILED"; return 1; }
    tag=$(cat "$meta/tag" 2>/dev/null || echo "localhost/$name:testbed")
    oci_pack "$rootfs" "$meta" "$tag" "$archive"
    rm -rf "$rootfs" "$meta"
    say "built $tag in $((SECONDS - t0)) s: $(du -h "$archive" | cut -f1) $archive"
  fi
  echo "$archive"
}

prune() {                                   # archives unused for 2 days (several checkouts share the cache, each with
  find "$OUT" -maxdepth 1 -name '*.tar' -atime +2 -delete 2>/dev/null || true   # its own versions: keep theirs)
}
all() {                                     # all: build (under the cache lock) and print every archive path
  local d
  mkdir -p "$OUT"
  exec 7>"$CACHE/.images.lock"
  flock 7                                   # two runs never build the same image at once
  prune
  for d in "$HERE"/images/*/; do [ -f "$d/build.sh" ] && build_one "${d%/}"; done
  exec 7>&-
}

# ------------------------------------------------------------------------- localhost/chaoslet:dev from the Dockerfile
# The Dockerfile is the description: its ENV, WORKDIR, USER, EXPOSE and ENTRYPOINT lines are read here and copied
# into the image config, so the two cannot disagree. Its base image (denoland/deno) cannot be pulled, so the same
# parts are assembled: the deno binary of this machine (the npm package), the glibc libraries it links, the app files
# its COPY lines name, and a DENO_DIR filled by `deno cache --frozen` (its RUN line).
dockerfile_json() {                         # dockerfile_json: {env, workdir, user, ports, entrypoint, cmd} as JSON
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$REPO/Dockerfile" | awk '
    function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
    $1 == "ENV" { for (i = 2; i <= NF; i++) { env = env (env ? "," : "") q($i) } }
    $1 == "WORKDIR" { wd = $2 } $1 == "USER" { user = $2 } $1 == "EXPOSE" { ports = ports (ports ? "," : "") q($2 "/tcp") ":{}" }
    $1 == "ENTRYPOINT" { sub(/^ENTRYPOINT[ \t]+/, ""); ep = $0 } $1 == "CMD" { sub(/^CMD[ \t]+/, ""); cmd = $0 }
    END { printf "{\"env\":[%s],\"workdir\":%s,\"user\":%s,\"ports\":{%s},\"entrypoint\":%s,\"cmd\":%s}\n",
            env, q(wd), q(user), ports, ep ? ep : "null", cmd ? cmd : "null" }'
}
app_files() {                               # app_files PATH...: the files the Dockerfile's COPY lines take (NUL-separated),
  (cd "$REPO" && { git ls-files -z -co --exclude-standard "$@" 2>/dev/null \
    || find "$@" -type f -not -path '*/node_modules/*' -print0; } | sort -z)   # also without a git checkout
}
chaoslet_key() {
  { sha "$HERE/images.sh"; deno --version | head -1
    app_files Dockerfile deno.json deno.lock main.ts src | (cd "$REPO" && xargs -0 sha256sum); } | sha256sum | cut -c1-16
}
chaoslet_path() { echo "$OUT/chaoslet-dev-$(chaoslet_key).tar"; }
chaoslet() {
  local archive rootfs meta df deno_bin f t0=$SECONDS
  archive=$(chaoslet_path)
  mkdir -p "$OUT"
  exec 7>"$CACHE/.images.lock"; flock 7
  if [ ! -s "$archive" ]; then
    df=$(dockerfile_json)
    rootfs=$(mktemp -d "$OUT/.rootfs.XXXXXX"); meta=$(mktemp -d "$OUT/.meta.XXXXXX")
    . "$IMAGES_LIB"
    deno_bin=$(readlink -f "$(command -v deno)")
    mkdir -p "$rootfs/usr/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/app"
    chmod 1777 "$rootfs/tmp"
    cp "$deno_bin" "$rootfs/usr/bin/deno"
    copy_with_libs "$rootfs" "$rootfs/usr/bin/deno"
    printf 'root:x:0:0:root:/root:/sbin/nologin\ndeno:x:1993:1993:deno:/deno-dir:/sbin/nologin\n' >"$rootfs/etc/passwd"
    printf 'root:x:0:\ndeno:x:1993:\n' >"$rootfs/etc/group"
    # COPY deno.json deno.lock ./ ; COPY main.ts ./ ; COPY src ./src
    app_files deno.json deno.lock main.ts src | (cd "$REPO" && xargs -0 cp --parents -t "$rootfs/app")
    # RUN deno cache --frozen main.ts && (remove the tests); the cache step needs the system CA store here
    (cd "$rootfs/app" && DENO_DIR=$rootfs/deno-dir DENO_TLS_CA_STORE=mozilla,system deno cache --frozen main.ts) >&2
    find "$rootfs/app/src" -name '*_test.ts' -delete
    chmod -R a+rX "$rootfs"
    jq -c '.entrypoint' <<<"$df" >"$meta/entrypoint"; jq -c '.cmd' <<<"$df" >"$meta/cmd"
    jq -c '.env + ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' <<<"$df" >"$meta/env"
    jq -r '.user' <<<"$df" >"$meta/user"; jq -r '.workdir' <<<"$df" >"$meta/workdir"; jq -c '.ports' <<<"$df" >"$meta/ports"
    oci_pack "$rootfs" "$meta" localhost/chaoslet:dev "$archive"
    rm -rf "$rootfs" "$meta"
    say "built localhost/chaoslet:dev in $((SECONDS - t0)) s: $(du -h "$archive" | cut -f1) $archive"
  fi
  exec 7>&-
  echo "$archive"
}

case "${1:-}" in
  build) all >/dev/null ;;
  paths) all ;;
  chaoslet)
    archive=$(chaoslet)
    if [ "${2:-}" = --load ]; then bash "$HERE/testbed.sh" node-load "$archive"; fi ;;
  chaoslet-path) p=$(chaoslet_path); [ -s "$p" ] && echo "$p" || true ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
