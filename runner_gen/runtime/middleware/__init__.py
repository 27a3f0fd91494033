"""Built-in middleware and the protocol every middleware implementation follows."""
