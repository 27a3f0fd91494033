// Runner 5.5's HTTP envelopes for typed errors, observed on a real nodeExposure: for each case
// prints {"case", "status", "body"} (the body byte for byte), then exits.
//   app.tasks.fail input 1: app.errors.oops (httpCode 409, remediation) with data {a: 1, b: "x"}
//   app.tasks.fail input 2: app.errors.plain (no httpCode, no format) with data {z: 1}
"use strict";

const { r, run, globals } = require("@bluelibs/runner");
const { nodeExposure } = require("@bluelibs/runner/node");

const oops = r.error("app.errors.oops").httpCode(409).remediation("Try again later.").build();
const plain = r.error("app.errors.plain").build();
const fail = r
  .task("app.tasks.fail")
  .run(async (input) => {
    if (input === 1) oops.throw({ a: 1, b: "x" });
    plain.throw({ z: 1 });
  })
  .build();
const serverTunnel = r
  .resource("app.tunnels.server")
  .tags([globals.tags.tunnel])
  .init(async () => ({ mode: "server", transport: "http", tasks: [fail.id] }))
  .build();
const app = r
  .resource("app")
  .register([
    oops,
    plain,
    fail,
    serverTunnel,
    nodeExposure.with({
      http: { basePath: "/__runner", listen: { host: "127.0.0.1", port: 0 }, auth: { token: "t" } },
    }),
  ])
  .build();

async function main() {
  const runtime = await run(app, { logs: { printThreshold: null } });
  const port = runtime.getResourceValue(nodeExposure).server.address().port;
  try {
    for (const [name, input] of [["oops", 1], ["plain", 2]]) {
      const response = await fetch(`http://127.0.0.1:${port}/__runner/task/app.tasks.fail`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-runner-token": "t" },
        body: JSON.stringify({ input }),
      });
      const body = await response.text();
      process.stdout.write(JSON.stringify({ case: name, status: response.status, body }) + "\n");
    }
  } finally {
    await runtime.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
