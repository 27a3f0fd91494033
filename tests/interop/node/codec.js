// Runner 5.5's own Serializer, driven from the tests to pin our format to the real one.
//   node codec.js fixtures   -> one JSON line per fixture: {"name", "wire"} (Serializer.stringify)
//   node codec.js reencode   -> for each stdin line (a payload): {"types", "wire"} after
//                               Serializer.parse then stringify, or {"error"} when parse throws
//   node codec.js failures   -> one JSON line per value stringify refuses: {"name", "message"}
"use strict";

const readline = require("readline");
const { Serializer } = require("@bluelibs/runner");

const serializer = new Serializer();

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

const fixtures = {
  date: new Date(0),
  dateWithMillis: new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123)),
  map: new Map([
    [1, "one"],
    ["k", new Date(0)],
  ]),
  set: new Set(["a"]),
  bigint: 2n ** 60n,
  negativeBigint: -(2n ** 70n),
  nan: NaN,
  infinity: Infinity,
  negativeInfinity: -Infinity,
  undefined: undefined,
  regexp: /a+b/gi,
  escapedKeys: { __type: "Date", value: "x", __graph: true, "$runner.escape::k": 1 },
  nested: { list: [1, "two", null, true, { deep: [new Date(0)] }], obj: { a: undefined } },
  unicode: { "é": "ü😀" },
  unsafeKeys: JSON.parse('{"__proto__": {"polluted": 1}, "ok": 1}'),
  envelope: { ok: true, result: { sum: 3, at: new Date(0) } },
  maxSafeInteger: Number.MAX_SAFE_INTEGER,
  twoToThe53: 2n ** 53n,
  minusTwoToThe53: -(2n ** 53n),
  mapWithStringKeys: new Map([
    ["a", 1],
    ["b", new Set(["x"])],
  ]),
  sortedNumberSet: new Set([1, 2, 10]),
  sortedStringSet: new Set(["a", "b", "c"]),
  sharedNotCircular: (() => {
    const shared = { v: 1 };
    return { a: shared, b: shared };
  })(),
};

function deeplyNested(levels) {
  const root = {};
  let current = root;
  for (let i = 0; i < levels; i++) {
    current.n = {};
    current = current.n;
  }
  return root;
}

function circular() {
  const value = { x: 1 };
  value.self = value;
  return value;
}

function printFailures() {
  const refused = { circular: circular(), tooDeep: deeplyNested(1100) };
  for (const [name, value] of Object.entries(refused)) {
    try {
      serializer.stringify(value);
      process.stdout.write(JSON.stringify({ name, message: null }) + "\n");
    } catch (error) {
      const message = String(error && error.message).split("\n")[0];
      process.stdout.write(JSON.stringify({ name, message, id: error.id || null }) + "\n");
    }
  }
}

function printFixtures() {
  for (const [name, value] of Object.entries(fixtures)) {
    process.stdout.write(JSON.stringify({ name, wire: serializer.stringify(value) }) + "\n");
  }
}

function reencode() {
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    let reply;
    try {
      const value = serializer.parse(line);
      reply = { types: describe(value), wire: serializer.stringify(value) };
    } catch (error) {
      reply = { error: String(error && error.message) };
    }
    process.stdout.write(JSON.stringify(reply) + "\n");
  });
}

if (process.argv[2] === "fixtures") printFixtures();
else if (process.argv[2] === "reencode") reencode();
else if (process.argv[2] === "failures") printFailures();
else {
  console.error("usage: node codec.js fixtures|reencode|failures");
  process.exit(2);
}
