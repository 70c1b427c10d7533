"""Live pushes: following the log, fan-out to screens, the Redis doorbell, resume by position."""
