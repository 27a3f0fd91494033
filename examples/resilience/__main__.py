"""`python -m examples.resilience`: each pattern once; the JSON lines are the request log."""

from __future__ import annotations

import asyncio

from examples.resilience.generated import running
from examples.resilience.models import Comment, QuoteRequest, RecommendationRequest, StockCheck
from runner_gen import RunnerError


async def demo() -> None:
    async with running() as app:
        service = app.resources.external

        service.fail_next(2)
        print(f"# retry: {await app.tasks.fetch_quote(QuoteRequest(symbol='ACME'))}")

        service.hang_next(3, seconds=5.0)
        try:
            await app.tasks.fetch_quote(QuoteRequest(symbol="SLOW"))
        except RunnerError as error:
            print(f"# timeout: {error.id}: {error.message} ({service.cancelled} attempts cut)")

        for user in ["ann", "ann", "ann", "ann", "bob"]:
            try:
                await app.tasks.post_comment(Comment(user_id=user, text="hi"))
                print(f"# rate limit: {user} posted")
            except RunnerError as error:
                print(f"# rate limit: {user} refused: {error.id}")

        service.down = True
        for _ in range(4):
            before = service.calls
            try:
                await app.tasks.check_stock(StockCheck(sku="X-1"))
            except Exception as error:
                reached = "reached the service" if service.calls > before else "failed fast"
                print(f"# circuit breaker: {type(error).__name__}, {reached}")

        answer = await app.tasks.recommendations(RecommendationRequest(user_id="ann"))
        print(f"# fallback: {answer}")


if __name__ == "__main__":
    asyncio.run(demo())
