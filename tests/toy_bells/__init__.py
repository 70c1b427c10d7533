"""A toy aggregate, to show what adding one takes: this package, and one line registering
it (see tests/integration/test_toy_aggregate.py). Nothing else in unitboard changes."""
