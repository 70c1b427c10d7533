"""The pure domain: state, commands, decide and evolve. No I/O, no HTTP, no SQL."""
