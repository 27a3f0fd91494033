"""`python -m examples.http_api`: start on a free port, make a few requests, shut down.

`python -m examples.http_api serve [PORT]` serves until Ctrl+C instead (default port 8080).
"""

from __future__ import annotations

import asyncio
import sys

import httpx

from examples.auth.models import AuthUser
from examples.auth.services import DEMO_SECRET, issue_token
from examples.http_api.generated import main, running
from examples.http_api.models import ServerConfig


async def demo() -> None:
    admin = issue_token(DEMO_SECRET, AuthUser(user_id="u-9", role="admin"))
    user = issue_token(DEMO_SECRET, AuthUser(user_id="u-1", role="user"))
    async with running(ServerConfig(port=0)) as app:
        server = app.resources.server
        print(f"listening on port {server.port}")
        async with httpx.AsyncClient(base_url=server.url) as http:
            requests = [
                ("GET", "/health", None, None),
                ("POST", "/users", {"name": "Ada", "email": "ada@example.com"}, None),
                ("POST", "/users", {"name": "", "email": "nope"}, None),
                ("GET", "/users?limit=5", None, None),
                ("GET", "/users/1", None, None),
                ("GET", "/users/1", None, admin),
                ("GET", "/users/42", None, admin),
                ("DELETE", "/users/1", None, user),
                ("DELETE", "/users/1", None, admin),
                ("GET", "/nowhere", None, None),
            ]
            for method, path, body, token in requests:
                headers = {"authorization": f"Bearer {token}"} if token else {}
                response = await http.request(method, path, json=body, headers=headers)
                print(f"{method} {path} -> {response.status_code} {response.text}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        main(ServerConfig(port=int(sys.argv[2]) if len(sys.argv) > 2 else 8080))
    else:
        asyncio.run(demo())
