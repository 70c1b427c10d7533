"""Read models built from the log: the boards, the EVS queue."""
