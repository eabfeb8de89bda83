/**
 * Issue 21 item 7 and issue 16 item 2: the image localhost/chaoslet:dev (`deno task image`, images.sh) is what the
 * Dockerfile describes, and it starts from its own config's exact command line. The test reads Entrypoint, Cmd,
 * Env, User and WorkingDir from the built OCI archive, runs them with runc (the node's OCI runtime) on a read-only
 * root filesystem as that user, with only the args a Deployment would add, and needs /healthz and /readyz. The
 * kubeconfig authenticates through an exec credential plugin (as EKS, GKE and AKS kubeconfigs do), which the daemon
 * can run only with --allow-run: an image without that flag never becomes ready.
 */
import assert from "node:assert/strict";
import { parseYamlDocuments } from "../src/util/yaml.ts";
import { clusterEnv, REPO } from "./lib/env.ts";
import { freePort } from "./lib/daemon.ts";
import { dropNamespace, newNamespace, waitFor } from "./lib/kube.ts";

interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  User?: string;
  WorkingDir?: string;
}

const dec = new TextDecoder();
async function sh(cmd: string, ...args: string[]): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stderr: "piped", stdout: "piped" }).output();
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(r.stderr)}`);
  return dec.decode(r.stdout);
}

/** Why runc cannot be used here, or "" when it can. */
function cannotRun(): string {
  if (Deno.uid() !== 0) return "needs root to run a container with runc";
  for (const tool of ["runc", "jq"]) {
    const found = new Deno.Command("sh", { args: ["-c", `command -v ${tool}`] }).outputSync().success;
    if (!found) return `needs ${tool} (apt-get install ${tool})`;
  }
  return "";
}
const why = cannotRun();

/** The archive built by tests/run.sh before the network namespace (images.sh chaoslet). */
async function archive(): Promise<string> {
  const path = (await sh("bash", `${REPO}tests/cluster/images.sh`, "chaoslet-path")).trim();
  assert.ok(
    path,
    "localhost/chaoslet:dev was not built: tests/run.sh builds it before the tests (see its log)",
  );
  return path;
}

/** Unpacks the one-layer OCI archive: the image config and the root filesystem. */
async function unpack(tar: string, dir: string): Promise<ImageConfig> {
  await sh("tar", "-C", dir, "-xf", tar);
  const index = JSON.parse(await Deno.readTextFile(`${dir}/index.json`));
  const blob = (d: string) => `${dir}/blobs/sha256/${d.replace("sha256:", "")}`;
  const manifest = JSON.parse(await Deno.readTextFile(blob(index.manifests[0].digest)));
  const config = JSON.parse(await Deno.readTextFile(blob(manifest.config.digest)));
  await Deno.mkdir(`${dir}/rootfs`);
  await sh("tar", "-C", `${dir}/rootfs`, "-xf", blob(manifest.layers[0].digest));
  return config.config as ImageConfig;
}

/** ENTRYPOINT and USER as the Dockerfile writes them. */
async function dockerfile(): Promise<{ entrypoint: string[]; user: string }> {
  const text = (await Deno.readTextFile(`${REPO}Dockerfile`)).replace(/\\\n/g, " ");
  const line = (k: string) => text.split("\n").find((l) => l.startsWith(`${k} `))?.slice(k.length + 1).trim();
  return { entrypoint: JSON.parse(line("ENTRYPOINT") ?? "null"), user: line("USER") ?? "" };
}

/** A kubeconfig for the test cluster whose credential comes from an exec plugin (the image's own deno). */
async function execKubeconfig(): Promise<string> {
  // deno-lint-ignore no-explicit-any
  const kc = parseYamlDocuments(await Deno.readTextFile(clusterEnv().kubeconfig))[0] as any;
  const token = kc.users.find((u: { user: { token?: string } }) => u.user.token).user.token as string;
  const cred = { apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token } };
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: kc.clusters,
    users: [{
      name: "exec",
      user: {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: "deno",
          args: ["eval", `console.log(JSON.stringify(${JSON.stringify(cred)}))`],
          interactiveMode: "Never",
        },
      },
    }],
    contexts: [{ name: "exec", context: { cluster: kc.clusters[0].name, user: "exec" } }],
    "current-context": "exec",
  });
}

Deno.test({
  name: `image: the Dockerfile's ENTRYPOINT and USER are the image config's${
    why ? ` (skipped: ${why})` : ""
  }`,
  ignore: !!why,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "chaoslet-image-" });
    try {
      const config = await unpack(await archive(), dir);
      const df = await dockerfile();
      assert.deepEqual(config.Entrypoint, df.entrypoint);
      assert.equal(config.User, df.user);
      // The daemon starts child processes (exec credential plugins, in-process cmdProbes): the flags must allow it.
      assert.ok(
        config.Entrypoint?.includes("--allow-run"),
        `no --allow-run in ${JSON.stringify(config.Entrypoint)}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `image: its exact command line starts on a read-only root as its user and serves /healthz and /readyz${
      why ? ` (skipped: ${why})` : ""
    }`,
  ignore: !!why,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "chaoslet-image-" });
    const id = `chaoslet-image-test-${crypto.randomUUID().slice(0, 8)}`;
    const ns = await newNamespace("image");
    let child: Deno.ChildProcess | undefined;
    try {
      const config = await unpack(await archive(), dir);
      await Deno.mkdir(`${dir}/rootfs/etc/chaoslet-test`, { recursive: true });
      await Deno.writeTextFile(`${dir}/rootfs/etc/chaoslet-test/kubeconfig`, await execKubeconfig());
      const port = freePort();
      // What a Deployment adds to the image: args and env. Nothing replaces the entrypoint.
      const args = [
        `--port=${port}`,
        `--watch-namespace=${ns}`,
        `--kubeconfig=/etc/chaoslet-test/kubeconfig`,
      ];
      const [uid, gid] = (config.User ?? "0:0").split(":").map(Number);
      await sh("runc", "spec", "--bundle", dir);
      const spec = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
      spec.root = { path: "rootfs", readonly: true };
      spec.process.terminal = false;
      spec.process.args = [...(config.Entrypoint ?? []), ...args]; // as Kubernetes: args replace Cmd
      spec.process.env = config.Env ?? [];
      spec.process.cwd = config.WorkingDir || "/";
      spec.process.user = { uid, gid: gid ?? uid };
      spec.process.capabilities = { bounding: [], effective: [], permitted: [] };
      spec.process.noNewPrivileges = true;
      // The test run's own network namespace (loopback only): the API server is on 127.0.0.1.
      spec.linux.namespaces = spec.linux.namespaces.filter((n: { type: string }) => n.type !== "network");
      spec.linux.cgroupsPath = `/${id}`;
      spec.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"] });
      await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(spec));
      child = new Deno.Command("runc", {
        args: ["--root", `${dir}/runc`, "run", "--bundle", dir, id],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out: string[] = [];
      const collect = async (s: ReadableStream<Uint8Array>) => {
        for await (const c of s.pipeThrough(new TextDecoderStream())) out.push(c);
      };
      const done = Promise.all([collect(child.stdout), collect(child.stderr)]);
      const get = async (path: string) => {
        const r = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
        await r?.body?.cancel();
        return r?.status === 200;
      };
      await waitFor("the image's /healthz", () => get("/healthz"), 30_000).catch((e) => {
        throw new Error(`${e.message}\n${out.join("")}`);
      });
      await waitFor(
        "the image's /readyz (API server reached with the exec plugin's token)",
        () => get("/readyz"),
        30_000,
      )
        .catch((e) => {
          throw new Error(`${e.message}\n${out.join("")}`);
        });
      await sh("runc", "--root", `${dir}/runc`, "kill", id, "TERM");
      const st = await child.status;
      child = undefined;
      await done;
      assert.ok(
        st.code === 0 || st.signal === "SIGTERM",
        `exit after SIGTERM: ${JSON.stringify(st)}\n${out.join("")}`,
      );
    } finally {
      if (child) {
        await new Deno.Command("runc", { args: ["--root", `${dir}/runc`, "kill", id, "KILL"] }).output();
        await child.status;
      }
      await new Deno.Command("runc", { args: ["--root", `${dir}/runc`, "delete", "--force", id] }).output();
      await dropNamespace(ns);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
