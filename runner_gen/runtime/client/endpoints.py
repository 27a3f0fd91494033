"""The URLs and headers of one exposure, computed once per transport rather than per call."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from runner_gen.runtime.serializer import dumps

CONTENT_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Endpoints:
    task_prefix: str
    event_prefix: str
    discovery: str
    headers: dict[str, str]

    @classmethod
    def of(cls, base_url: str, token: str | None, header: str) -> Endpoints:
        base = base_url.rstrip("/")
        headers = {"content-type": CONTENT_TYPE}
        if token is not None:
            headers[header.lower()] = token
        return cls(f"{base}/task/", f"{base}/event/", f"{base}/discovery", headers)

    def task_url(self, task_id: str) -> str:
        # encodeURIComponent's job: the id is one path segment even when it holds "/" or "?".
        return self.task_prefix + quote(task_id, safe="")

    def event_url(self, event_id: str) -> str:
        return self.event_prefix + quote(event_id, safe="")


def task_body(task_input: object) -> bytes:
    return dumps({"input": task_input})


def event_body(payload: object, *, return_payload: bool) -> bytes:
    if return_payload:
        return dumps({"payload": payload, "returnPayload": True})
    return dumps({"payload": payload})
