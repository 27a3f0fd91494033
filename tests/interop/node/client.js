// Runner 5.5's own HTTP client (createHttpClient + new Serializer()) calling a runner-gen exposure.
// Env: BASE_URL (with base path), RUNNER_TOKEN. Prints one line: the serializer-encoded outcome of
// every step, {step: {ok, value, types} | {ok: false, error: {...}}}.
"use strict";

const { createHttpClient, Serializer } = require("@bluelibs/runner");

const serializer = new Serializer();
const baseUrl = process.env.BASE_URL;
const client = createHttpClient({ baseUrl, auth: { token: process.env.RUNNER_TOKEN }, serializer });
const intruder = createHttpClient({ baseUrl, auth: { token: "wrong" }, serializer });

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

const steps = {
  add: () => client.task("app.tasks.add", { a: 1, b: 2 }),
  echo: () =>
    client.task("app.tasks.echo", {
      at: new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123)),
      ids: new Map([[1, "one"]]),
      tags: new Set(["a"]),
      big: 2n ** 60n,
      negInf: -Infinity,
      missing: undefined,
      pattern: /x+/g,
      __type: "user data",
    }),
  noInput: () => client.task("app.tasks.echo"),
  boom: () => client.task("app.tasks.boom", {}),
  typed: () => client.task("app.tasks.typed", { sku: "x1" }),
  hidden: () => client.task("app.tasks.hidden", {}),
  unauthorized: () => intruder.task("app.tasks.add", { a: 1, b: 2 }),
  event: () => client.event("app.events.noted", { at: new Date(0), note: "from node" }),
  eventNotExposed: () => client.event("app.events.secret", {}),
};

async function main() {
  const results = {};
  for (const [name, step] of Object.entries(steps)) {
    try {
      const value = await step();
      results[name] = { ok: true, value, types: describe(value) };
    } catch (e) {
      results[name] = {
        ok: false,
        error: {
          name: e.name,
          code: e.code ?? null,
          message: e.message,
          httpCode: e.httpCode ?? null,
          id: e.id ?? null,
          data: e.data ?? null,
        },
      };
    }
  }
  process.stdout.write(serializer.stringify(results) + "\n");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
