"""Tests of the HTTP exposure against a real uvicorn and real httpx."""
