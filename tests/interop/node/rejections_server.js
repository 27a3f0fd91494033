// A Runner 5.5 app whose tasks are refused by Runner's own built-in middleware (rate limit,
// circuit breaker, timeout), exposed over its HTTP tunnel protocol. Prints {"port": N} once
// listening; exits when stdin closes or on SIGTERM.
"use strict";

const { r, run, globals } = require("@bluelibs/runner");
const { nodeExposure } = require("@bluelibs/runner/node");

const token = process.env.RUNNER_TOKEN || "s3cret";
const mw = globals.middleware.task;

const limited = r
  .task("app.tasks.limited")
  .middleware([mw.rateLimit.with({ windowMs: 60000, max: 1 })])
  .run(async () => "ok")
  .build();

const fragile = r
  .task("app.tasks.fragile")
  .middleware([mw.circuitBreaker.with({ failureThreshold: 1, resetTimeout: 60000 })])
  .run(async () => {
    throw new Error("the dependency is down");
  })
  .build();

const slow = r
  .task("app.tasks.slow")
  .middleware([mw.timeout.with({ ttl: 20 })])
  .run(() => new Promise((resolve) => setTimeout(() => resolve("late"), 5000)))
  .build();

const serverTunnel = r
  .resource("app.tunnels.server")
  .tags([globals.tags.tunnel])
  .init(async () => ({
    mode: "server",
    transport: "http",
    tasks: [limited.id, fragile.id, slow.id],
  }))
  .build();

const app = r
  .resource("app")
  .register([
    limited,
    fragile,
    slow,
    serverTunnel,
    nodeExposure.with({
      http: { basePath: "/__runner", listen: { host: "127.0.0.1", port: 0 }, auth: { token } },
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
