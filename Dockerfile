# chaoslet: `deno run` in a container. `deno compile` cannot fetch its runtime on our build machines, so the image is
# the pinned official Deno base plus the sources and every npm dependency cached at build time: start-up needs no
# network (--cached-only), and the lockfile pins every package (--frozen).
FROM denoland/deno:2.9.6

ENV DENO_DIR=/deno-dir \
    DENO_NO_UPDATE_CHECK=1 \
    DENO_NO_PROMPT=1
WORKDIR /app
COPY deno.json deno.lock ./
COPY main.ts ./
COPY src ./src
RUN deno cache --frozen main.ts \
 && rm -rf src/**/*_test.ts
# The base image's unprivileged user; the Deployment also runs with a read-only root filesystem.
USER 1993:1993
EXPOSE 8080
# A 1 MB young generation keeps the idle daemon under 80 MB resident; the cost is more, smaller scavenges.
ENTRYPOINT ["deno", "run", "--cached-only", "--frozen", "--v8-flags=--max-semi-space-size=1", "--allow-net", "--allow-read", "--allow-env", "--allow-sys", "main.ts"]
