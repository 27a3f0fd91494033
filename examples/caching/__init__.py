"""Caching: the seed's custom memory cache middleware, the built-in cache, and Redis."""
