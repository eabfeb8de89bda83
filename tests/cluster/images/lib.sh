# lib.sh: helpers for tests/cluster/images/<name>/build.sh (sourced through $IMAGES_LIB; see images.sh).

# busybox_rootfs ROOTFS: Debian's static busybox with a link for every applet, /etc/passwd and group, /tmp
busybox_rootfs() {
  local r=$1 a
  mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/etc" "$r/tmp" "$r/root" "$r/proc" "$r/sys" "$r/dev"
  chmod 1777 "$r/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list-full); do
    [ -e "$r/$a" ] || [ -L "$r/$a" ] || ln -s /bin/busybox "$r/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
}

# copy_with_libs ROOTFS FILE...: each FILE (a host path, copied to the same path; or already inside ROOTFS) and
# the shared libraries and loader it links, at their host paths (replacing busybox applet links of the same name)
copy_with_libs() {
  local r=$1 f lib; shift
  for f in "$@"; do
    case "$f" in "$r"/*) ;; *) mkdir -p "$r$(dirname "$f")"; cp --remove-destination -L "$f" "$r$f" ;; esac
    for lib in $(ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^[ \t]*\// {print $1}'); do
      [ -e "$r$lib" ] && continue
      mkdir -p "$r$(dirname "$lib")"
      cp -L "$lib" "$r$lib"
    done
  done
}
