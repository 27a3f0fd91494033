"""tags: "should throw an exception if you are using an unregistered tag"."""

from runner_gen import r

tag = r.tag("test.tag").build()
app = r.resource("test.resource").tags(tag).build()
