// A TypeScript client's view of billing, through the types openapi-typescript generates from
// runner-gen's document (billing.ts is generated next to this file by the test). tsc --strict
// must accept the uses and reject each line marked @ts-expect-error.
import type { paths } from "./billing";

type QuoteOperation = paths["/__runner/task/billing.tasks.quote"]["post"];
type QuoteBody = NonNullable<QuoteOperation["requestBody"]>["content"]["application/json"];
type QuoteAnswer = QuoteOperation["responses"][200]["content"]["application/json"];
type NotFound = QuoteOperation["responses"][404]["content"]["application/json"];
type Limited = QuoteOperation["responses"][429]["content"]["application/json"];

export const request: QuoteBody = { input: { sku: "book", quantity: 2 } };

export function totalCents(answer: QuoteAnswer): number {
  const cents = answer.result.total_cents;
  // Beyond 2**53 the serializer sends a BigInt record.
  return typeof cents === "number" ? cents : Number(cents.value);
}

export function issuedAt(answer: QuoteAnswer): Date {
  const at = answer.result.issued_at;
  return new Date(typeof at === "string" ? at : at.value);
}

export function unknownSku(answer: NotFound): string {
  return `${answer.error.id}: ${answer.error.data.sku} (HTTP ${answer.error.httpCode})`;
}

export function retryAfter(answer: Limited): number | undefined {
  return answer.error.data.retryAfter;
}

// @ts-expect-error quantity is a number
export const wrongType: QuoteBody = { input: { sku: "book", quantity: "2" } };

// @ts-expect-error the input travels in Runner's {"input": ...} envelope
export const bare: QuoteBody = { sku: "book", quantity: 2 };

export function wrongField(answer: QuoteAnswer): unknown {
  // @ts-expect-error Quote has no field "price"
  return answer.result.price;
}
