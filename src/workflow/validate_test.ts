import assert from "node:assert/strict";
import { formatErrors, validateChaosWorkflow } from "./validate.ts";

const wf = (spec: unknown) => ({
  apiVersion: "chaoslet.io/v1alpha1",
  kind: "ChaosWorkflow",
  metadata: { name: "w" },
  spec,
});

Deno.test("validator: unknown templates, dependencies and entrypoint, with field paths", () => {
  const errors = validateChaosWorkflow(
    wf({
      entrypoint: "nope",
      onExit: "gone",
      templates: [
        { name: "main", steps: [[{ name: "a", template: "missing" }]] },
        { name: "d", dag: { tasks: [{ name: "x", template: "main", dependencies: ["y"] }] } },
      ],
    }),
    { checkObject: true },
  );
  assert.deepEqual(errors, [
    { path: "spec.entrypoint", message: 'unknown template "nope"' },
    { path: "spec.onExit", message: 'unknown template "gone"' },
    { path: "spec.templates[0].steps[0][0].template", message: 'unknown template "missing"' },
    { path: "spec.templates[1].dag.tasks[0].dependencies", message: 'unknown dependency "y" of task "x"' },
  ]);
});

Deno.test("validator: dag cycles and template recursion", () => {
  const cycle = validateChaosWorkflow(wf({
    entrypoint: "d",
    templates: [
      {
        name: "d",
        dag: {
          tasks: [{ name: "a", template: "s", dependencies: ["c"] }, {
            name: "b",
            template: "s",
            dependencies: ["a"],
          }, { name: "c", template: "s", depends: "b" }],
        },
      },
      { name: "s", suspend: {} },
    ],
  }));
  assert.deepEqual(cycle, [{
    path: "spec.templates[0].dag.tasks",
    message: "dependency cycle: a -> b -> c -> a",
  }]);
  const recursion = validateChaosWorkflow(wf({
    entrypoint: "a",
    templates: [{ name: "a", steps: [[{ name: "x", template: "b" }]] }, {
      name: "b",
      steps: [[{ name: "y", template: "a" }]],
    }],
  }));
  assert.equal(recursion.length, 1);
  assert.match(recursion[0].message, /template recursion: (a -> b -> a|b -> a -> b)/);
});

Deno.test("validator: missing parameters are named", () => {
  const errors = validateChaosWorkflow(wf({
    entrypoint: "main",
    arguments: { parameters: [{ name: "ns", value: "x" }, { name: "novalue" }] },
    templates: [
      { name: "main", steps: [[{ name: "a", template: "c" }]] },
      {
        name: "c",
        inputs: { parameters: [{ name: "who" }, { name: "opt", default: "d" }] },
        container: {
          image: "busybox",
          args: [
            "{{workflow.parameters.ns}} {{workflow.parameters.nope}} {{inputs.parameters.who}} {{inputs.parameters.what}}",
          ],
        },
      },
    ],
  }));
  assert.deepEqual(errors.map(formatErrorsOne), [
    'spec.arguments.parameters[1].value: parameter "novalue" has no value',
    'spec.templates[0].steps[0][0].arguments: missing parameter "who" required by template "c"',
    'spec.templates[1]: "{{workflow.parameters.nope}}" refers to a missing workflow parameter "nope"',
    'spec.templates[1]: "{{inputs.parameters.what}}" refers to a missing input parameter "what" of template "c"',
  ]);
});

Deno.test("validator: refused Argo features and bad values are named with their field path", () => {
  const errors = validateChaosWorkflow(wf({
    entrypoint: "main",
    stop: "yes",
    volumeClaimTemplates: [],
    volumes: [{ name: "h", hostPath: { path: "/" } }],
    templates: [
      {
        name: "main",
        steps: [[{ name: "a", template: "s", when: "{{x}} == 1", hooks: {} }, { name: "a", template: "t" }]],
      },
      { name: "s", script: { image: "x" } },
      {
        name: "t",
        metadata: { labels: { weight: "heavy" } },
        suspend: { duration: "soon" },
        container: { image: "x" },
      },
      {
        name: "u",
        inputs: { artifacts: [{ name: "g", path: "rel", git: { repo: "r" } }] },
        container: { image: "" },
        outputs: { artifacts: [{ name: "o" }] },
      },
      { name: "v", http: { url: "http://127.0.0.1" } },
      {
        name: "w",
        resource: { action: "explode", manifest: "", flags: ["--x"], successCondition: "a ~ b" },
        retryStrategy: { limit: "many", retryPolicy: "Sometimes", expression: "x" },
      },
      {
        name: "x",
        container: { image: "x" },
        outputs: { parameters: [{ name: "o", valueFrom: { path: "/tmp/o" } }] },
      },
    ],
  }));
  const text = errors.map(formatErrorsOne).join("\n");
  for (
    const want of [
      'spec.stop: stop "yes" is not a boolean',
      "spec.volumeClaimTemplates: volumeClaimTemplates are not supported",
      'spec.volumes[0].hostPath: volume source "hostPath" is not supported',
      'spec.templates[0].steps[0][1].name: step name "a" is used twice',
      "spec.templates[0].steps[0][0].hooks: lifecycle hooks are not supported by chaoslet; use onExit",
      "spec.templates[1].script.source: a script needs a source",
      'spec.templates[2]: template "t" has more than one type (container, suspend)',
      'spec.templates[2].metadata.labels.weight: weight "heavy" is not a non-negative number',
      'spec.templates[2].suspend.duration: duration "soon"',
      'spec.templates[3].inputs.artifacts[0].raw: artifact "g": only raw artifacts',
      'spec.templates[3].inputs.artifacts[0].path: artifact "g" needs an absolute path, got "rel"',
      "spec.templates[3].container.image: a container needs an image",
      "spec.templates[3].outputs.artifacts: output artifacts need an artifact repository and are refused",
      'spec.templates[4].http: template type "http" is refused',
      'spec.templates[5].resource.action: action "explode" is not one of',
      "spec.templates[5].resource.manifest: a resource template needs a manifest",
      "spec.templates[5].resource.flags: kubectl flags are refused",
      'spec.templates[5].resource.successCondition: condition "a ~ b"',
      'spec.templates[5].retryStrategy.limit: limit "many" is not a non-negative integer',
      'spec.templates[5].retryStrategy.retryPolicy: retryPolicy "Sometimes" is not one of',
      'spec.templates[5].retryStrategy.expression: "expression" is not supported by chaoslet',
      "spec.templates[6].outputs.parameters[0].valueFrom.path: reading an output file needs container.command",
    ]
  ) {
    assert.ok(text.includes(want), `missing "${want}" in:\n${text}`);
  }
  assert.ok(!text.includes("when"), "when is supported");
});

Deno.test("validator: step and task outputs must name a step that runs before, or a task of the dag", () => {
  const errors = validateChaosWorkflow(wf({
    entrypoint: "main",
    templates: [
      {
        name: "main",
        steps: [
          [{ name: "a", template: "x", when: "{{steps.b.outputs.result}} == 1" }, {
            name: "b",
            template: "x",
          }],
          [{ name: "c", template: "x", when: "{{steps.a.outputs.result}} == {{steps.run-chaos.status}}" }],
        ],
      },
      { name: "d", dag: { tasks: [{ name: "t", template: "x", withParam: "{{tasks.u.outputs.result}}" }] } },
      { name: "x", suspend: {} },
    ],
  })).map(formatErrorsOne);
  assert.deepEqual(errors, [
    'spec.templates[0].steps[0][0]: "{{steps.b.outputs.result}}" does not name a step of an earlier group',
    'spec.templates[0].steps[1][0]: "{{steps.run-chaos.status}}" does not name a step of an earlier group',
    'spec.templates[1].dag.tasks[0]: "{{tasks.u.outputs.result}}" does not name a task of this dag',
  ]);
});

Deno.test("validator: the Argo features chaoslet runs pass", () => {
  const errors = validateChaosWorkflow(wf({
    entrypoint: "main",
    parallelism: 2,
    activeDeadlineSeconds: 600,
    volumes: [{ name: "scratch", emptyDir: {} }],
    onExit: "exit",
    templates: [
      {
        name: "main",
        parallelism: 1,
        steps: [
          [{ name: "make", template: "make" }],
          [{
            name: "each",
            template: "echo",
            withItems: [1, "b", { k: "v" }],
            when: "{{steps.make.outputs.parameters.verdict}} == Pass",
            onExit: "exit",
            arguments: { parameters: [{ name: "m", value: "{{item}}" }] },
          }],
          [{
            name: "seq",
            template: "echo",
            withSequence: { count: "2" },
            arguments: { parameters: [{ name: "m", value: "{{item}}" }] },
          }],
        ],
        outputs: {
          parameters: [{ name: "v", valueFrom: { parameter: "{{steps.make.outputs.parameters.verdict}}" } }],
        },
      },
      {
        name: "make",
        retryStrategy: {
          limit: 2,
          retryPolicy: "Always",
          backoff: { duration: "1s", factor: 2, maxDuration: "1m" },
        },
        resource: {
          action: "create",
          setOwnerReference: true,
          successCondition: "status.engineStatus == completed",
          failureCondition: "status.engineStatus == stopped",
          manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: x-}\n",
        },
        outputs: {
          parameters: [{ name: "verdict", valueFrom: { jsonPath: "{.status.experiments[0].verdict}" } }],
        },
      },
      {
        name: "echo",
        inputs: { parameters: [{ name: "m" }] },
        script: {
          image: "busybox",
          command: ["sh"],
          source: "echo {{inputs.parameters.m}}",
          volumeMounts: [],
        },
        outputs: { parameters: [{ name: "o", valueFrom: { path: "/tmp/o", default: "none" } }] },
      },
      {
        name: "dag",
        dag: {
          tasks: [
            { name: "A", template: "exit" },
            { name: "B", template: "exit", depends: "A.Succeeded && (A.Failed || A.Skipped)" },
            { name: "C", template: "exit", depends: "B", withParam: "{{tasks.A.outputs.result}}" },
          ],
        },
      },
      { name: "exit", container: { image: "busybox", args: ["{{workflow.status}}"] } },
    ],
  }));
  assert.deepEqual(errors, [], formatErrors(errors));
});

Deno.test("validator: entrypoint inputs come from workflow arguments", () => {
  const spec = {
    entrypoint: "main",
    arguments: { parameters: [{ name: "who", value: 3 }] },
    templates: [{ name: "main", inputs: { parameters: [{ name: "who" }] }, suspend: { duration: 1 } }],
  };
  assert.deepEqual(validateChaosWorkflow(wf(spec)), []);
  assert.deepEqual(validateChaosWorkflow(wf({ ...spec, arguments: undefined })), [
    { path: "spec.entrypoint", message: 'missing parameter "who" required by template "main"' },
  ]);
});

function formatErrorsOne(e: { path: string; message: string }): string {
  return formatErrors([e]);
}
