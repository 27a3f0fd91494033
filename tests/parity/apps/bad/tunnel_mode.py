"""A tunnel mode Runner does not have: refused where the tag is attached."""

from runner_gen import globals, r

tunnel = r.resource("bad.tunnel.mode").tags(globals.tags.tunnel.with_(mode="clients")).build()
app = r.resource("bad.tunnel_mode").register(tunnel).build()
