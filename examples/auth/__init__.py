"""JWT authentication and role checks: an async context, two custom middleware, typed errors."""
