import assert from "node:assert/strict";
import { Channel, ExecSession, execUrl, exitCodeOf, splitFrame, StreamText } from "./exec_channels.ts";

const enc = new TextEncoder();
const frame = (ch: number, text: string) => Uint8Array.of(ch, ...enc.encode(text));

Deno.test("splitFrame reads the channel byte and leaves the payload", () => {
  assert.equal(splitFrame(new Uint8Array()), undefined);
  const f = splitFrame(frame(2, "oops"))!;
  assert.equal(f.channel, Channel.stderr);
  assert.equal(new TextDecoder().decode(f.payload), "oops");
});

Deno.test("ExecSession demultiplexes stdout, stderr and the status, ignoring other channels", () => {
  const s = new ExecSession();
  s.receive(frame(1, ""));
  s.receive(frame(1, "hi\n"));
  s.receive(frame(2, "err\n"));
  s.receive(frame(1, "there\n"));
  s.receive(Uint8Array.of(Channel.close, Channel.stdin));
  s.receive(frame(3, JSON.stringify({ status: "Failure", message: "cmd wait: exit status 3" })));
  assert.equal(s.stdout.text, "hi\nthere\n");
  assert.equal(s.stderr.text, "err\n");
  assert.equal(exitCodeOf(s.status), 3);
});

Deno.test("ExecSession reports an unreadable status instead of throwing", () => {
  const s = new ExecSession();
  s.receive(frame(3, "{not json"));
  assert.equal(s.status, undefined);
  assert.match(s.statusError!, /unreadable exec status "\{not json"/);
});

Deno.test("StreamText keeps only the first maxBytes and decodes UTF-8 split across messages", () => {
  const t = new StreamText(5);
  const euro = enc.encode("€"); // 3 bytes
  t.push(euro.subarray(0, 1));
  t.push(euro.subarray(1));
  t.push(enc.encode("abcdef"));
  assert.equal(t.text, "€ab");
});

Deno.test("execUrl repeats command and asks for stdout and stderr only", () => {
  const u = execUrl("https://127.0.0.1:6443/", { namespace: "n s", pod: "p", container: "c" }, [
    "sh",
    "-c",
    "a&b",
  ]);
  assert.equal(u.protocol, "wss:");
  assert.equal(u.pathname, "/api/v1/namespaces/n%20s/pods/p/exec");
  assert.deepEqual(u.searchParams.getAll("command"), ["sh", "-c", "a&b"]);
  assert.equal(u.searchParams.get("stdin"), null);
  assert.equal(u.searchParams.get("stdout"), "true");
  assert.equal(
    execUrl("http://127.0.0.1:8080", { namespace: "a", pod: "b", container: "c" }, []).protocol,
    "ws:",
  );
});

Deno.test("exitCodeOf reads Success, the ExitCode cause, and kwok's Go error text", () => {
  assert.equal(exitCodeOf({ status: "Success" }), 0);
  assert.equal(
    exitCodeOf({ status: "Failure", details: { causes: [{ reason: "ExitCode", message: "7" }] } }),
    7,
  );
  assert.equal(exitCodeOf({ status: "Failure", message: "signal: killed" }), 137);
  assert.equal(exitCodeOf(undefined), undefined);
});
