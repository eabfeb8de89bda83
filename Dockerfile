# chaoslet: `deno run` in a container. `deno compile` cannot fetch its runtime on our build machines, so the image is
# the pinned official Deno base plus the sources and every npm dependency cached at build time: start-up needs no
# network (--cached-only), and the lockfile pins every package (--frozen).
# `deno task image` (tests/cluster/images.sh) builds the same image without Docker for the test cluster's real node:
# it reads this file's ENV, WORKDIR, USER, EXPOSE and ENTRYPOINT lines, so keep each on its own line(s) as below.
FROM denoland/deno:2.9.6

ENV DENO_DIR=/deno-dir \
    DENO_NO_UPDATE_CHECK=1 \
    DENO_NO_PROMPT=1
WORKDIR /app
COPY deno.json deno.lock ./
COPY main.ts ./
COPY src ./src
RUN deno cache --frozen main.ts \
 && find src -name '*_test.ts' -delete
# The base image's unprivileged user; the Deployment also runs with a read-only root filesystem.
USER 1993:1993
EXPOSE 8080
# A 1 MB young generation keeps the idle daemon under 80 MB resident; the cost is more, smaller scavenges.
# --allow-run: kubeconfig exec credential plugins and in-process cmdProbes start child processes (same flags as
# `deno task start`; tests/image_test.ts runs this exact command line).
ENTRYPOINT ["deno", "run", "--cached-only", "--frozen", "--v8-flags=--max-semi-space-size=1", "--allow-net", "--allow-read", "--allow-env", "--allow-sys", "--allow-run", "main.ts"]
