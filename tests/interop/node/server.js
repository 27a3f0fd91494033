// A real @bluelibs/runner 5.5 app exposing tasks and an event over its HTTP tunnel protocol.
// Prints {"port": N} on stdout once listening on 127.0.0.1 (port chosen by the OS); exits when
// stdin closes or on SIGTERM, so a dying test run never leaves it behind.
"use strict";

const { r, run, globals } = require("@bluelibs/runner");
const { nodeExposure } = require("@bluelibs/runner/node");

const token = process.env.RUNNER_TOKEN || "s3cret";

// What JS actually received, so tests can prove a Python datetime arrived as a Date, etc.
function describe(value) {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (value instanceof Date) return "Date";
  if (value instanceof RegExp) return "RegExp";
  if (value instanceof Map) return "Map";
  if (value instanceof Set) return "Set";
  if (Array.isArray(value)) return value.map(describe);
  if (typeof value === "number" && !Number.isFinite(value)) return "NonFiniteNumber";
  if (typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value)) out[key] = describe(value[key]);
    return out;
  }
  return typeof value;
}

const outOfStock = r.error("app.errors.outOfStock").httpCode(409).build();

const add = r
  .task("app.tasks.add")
  .run(async (input) => ({ sum: input.a + input.b, at: new Date(0) }))
  .build();

const echo = r
  .task("app.tasks.echo")
  .run(async (input) => ({ input, types: describe(input) }))
  .build();

const nothing = r
  .task("app.tasks.nothing")
  .run(async () => undefined)
  .build();

const boom = r
  .task("app.tasks.boom")
  .run(async () => {
    throw new Error("secret database detail");
  })
  .build();

const typedFailure = r
  .task("app.tasks.typedFailure")
  .run(async (input) => outOfStock.throw({ sku: input.sku }))
  .build();

const hidden = r
  .task("app.tasks.hidden")
  .run(async () => "should never be reachable")
  .build();

const noted = r.event("app.events.noted").build();
const notes = [];
const recordNote = r
  .hook("app.hooks.recordNote")
  .on(noted)
  .run(async (emission) => {
    notes.push(emission.data);
  })
  .build();
const readNotes = r
  .task("app.tasks.notes")
  .run(async () => notes)
  .build();

const serverTunnel = r
  .resource("app.tunnels.server")
  .tags([globals.tags.tunnel])
  .init(async () => ({
    mode: "server",
    transport: "http",
    tasks: [add.id, echo.id, nothing.id, boom.id, typedFailure.id, readNotes.id],
    events: [noted.id],
  }))
  .build();

const app = r
  .resource("app")
  .register([
    outOfStock,
    add,
    echo,
    nothing,
    boom,
    typedFailure,
    hidden,
    noted,
    recordNote,
    readNotes,
    serverTunnel,
    nodeExposure.with({
      http: {
        basePath: "/__runner",
        listen: { host: "127.0.0.1", port: 0 },
        auth: { token },
      },
    }),
  ])
  .build();

async function main() {
  const runtime = await run(app, { logs: { printThreshold: null } });
  const exposure = runtime.getResourceValue(nodeExposure);
  process.stdout.write(JSON.stringify({ port: exposure.server.address().port }) + "\n");
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await runtime.dispose();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.resume();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
