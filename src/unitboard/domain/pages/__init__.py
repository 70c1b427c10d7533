"""Pages: short messages to a person or to a role on a unit, acknowledged once for all and
re-sent while nobody acknowledges them."""
