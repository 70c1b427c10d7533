"""Orders a provider directs, entered by the secretary or a nurse, acknowledged by the
nurses and co-signed by the provider before the deadline."""
