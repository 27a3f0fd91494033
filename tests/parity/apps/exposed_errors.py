"""Typed errors served over HTTP, mirroring tests/interop/node/errors.js (the Runner side)."""

from __future__ import annotations

from runner_gen import r
from runner_gen.remote import http_exposure

oops = r.error("app.errors.oops").http_code(409).remediation("Try again later.").build()
plain = r.error("app.errors.plain").build()


async def fail(input: int) -> str:
    if input == 1:
        oops.throw({"a": 1, "b": "x"})
    plain.throw({"z": 1})


fail_task = r.task("app.tasks.fail").run(fail).build()
exposure = http_exposure("app.exposure").with_(tokens=("t",), allow_task_ids=("app.tasks.fail",))
app = r.resource("app").register(oops, plain, fail_task, exposure).build()
