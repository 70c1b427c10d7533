"""Command handling: authorize, validate, decide against the current state, append."""
