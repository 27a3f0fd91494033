"""An HTTP API built from tagged tasks: a plain ASGI router served by embedded uvicorn."""
