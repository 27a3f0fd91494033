"""The quickstart: a user registry with a database, events, hooks, a tag and middleware."""
