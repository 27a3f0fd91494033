"""`python -m examples.distributed`: start billing in its own process, then run shop against it.

Both read the shared token from BILLING_TOKEN; the demo makes a random one when it is unset.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys

from examples.distributed.models import QuoteRequest, unknown_sku
from examples.distributed.shop_generated import running


async def shop(billing_url: str) -> None:
    os.environ["BILLING_URL"] = billing_url
    async with running() as app:
        for request in (QuoteRequest(sku="book", quantity=2), QuoteRequest(sku="pen", quantity=5)):
            receipt = await app.tasks.checkout(request)
            print(
                f"{receipt.order_id}: {receipt.quote.quantity} x {receipt.quote.sku} = "
                f"{receipt.quote.total_cents / 100:.2f} (quoted by billing at "
                f"{receipt.quote.issued_at.isoformat(timespec='seconds')})"
            )
        try:
            await app.tasks.checkout(QuoteRequest(sku="lamp", quantity=1))
        except unknown_sku.error_class as error:  # billing's typed error, re-raised here
            print(f"billing refused: {error.message} (HTTP {error.http_code})")


def main() -> int:
    # Never a default credential in the code: a deployment sets BILLING_TOKEN for both services.
    os.environ.setdefault("BILLING_TOKEN", secrets.token_urlsafe(24))
    billing = subprocess.Popen(
        [sys.executable, "-m", "examples.distributed.serve_billing"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert billing.stdout is not None
        url = billing.stdout.readline().strip()
        print(f"billing listening at {url}")
        asyncio.run(shop(url))
    finally:
        billing.send_signal(signal.SIGTERM)
        code = billing.wait(timeout=30)
    print(f"billing stopped gracefully (exit code {code})")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
