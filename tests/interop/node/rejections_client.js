// Runner 5.5's createHttpClient, given Runner's own built-in error helpers as its errorRegistry,
// calling a runner-gen exposure whose tasks are refused. Env: BASE_URL, RUNNER_TOKEN, TASKS
// (comma-separated ids). Prints one JSON line: {taskId: {rebuilt, name, id, message, data,
// httpCode}}; "rebuilt" is true when the registry turned the answer into a RunnerError.
"use strict";

const { createHttpClient, Serializer, Errors, RunnerError } = require("@bluelibs/runner");

const helpers = [
  Errors.middlewareRateLimitExceededError,
  Errors.middlewareCircuitBreakerOpenError,
  Errors.middlewareTimeoutError,
  Errors.middlewareContextRequiredError,
];
const client = createHttpClient({
  baseUrl: process.env.BASE_URL,
  auth: { token: process.env.RUNNER_TOKEN },
  serializer: new Serializer(),
  errorRegistry: new Map(helpers.map((helper) => [helper.id, helper])),
});

async function main() {
  const results = {};
  for (const id of process.env.TASKS.split(",")) {
    try {
      await client.task(id, {});
      results[id] = { rebuilt: false, name: "no error" };
    } catch (e) {
      results[id] = {
        rebuilt: e instanceof RunnerError,
        name: e.name,
        id: e.id ?? null,
        message: e.message,
        data: e.data ?? null,
        httpCode: e.httpCode ?? null,
      };
    }
  }
  process.stdout.write(JSON.stringify(results) + "\n");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
