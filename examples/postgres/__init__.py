"""PostgreSQL with asyncpg: a pool resource, a repository resource owning its table, two tasks."""
