// Runner 5.5's HTTP client asking a runner-gen exposure for an event's final payload
// (`eventWithResult`: `{"returnPayload": true}`). Env: BASE_URL (with base path), RUNNER_TOKEN,
// EVENT_ID, PAYLOAD (JSON). Prints one JSON line: {ok, out} or {ok: false, message, code}.
"use strict";

const { createHttpClient, Serializer } = require("@bluelibs/runner");

const client = createHttpClient({
  baseUrl: process.env.BASE_URL,
  auth: { token: process.env.RUNNER_TOKEN },
  serializer: new Serializer(),
});

client
  .eventWithResult(process.env.EVENT_ID, JSON.parse(process.env.PAYLOAD))
  .then(
    (out) => process.stdout.write(JSON.stringify({ ok: true, out }) + "\n"),
    (e) =>
      process.stdout.write(
        JSON.stringify({ ok: false, message: e.message, code: e.code ?? null }) + "\n",
      ),
  );
