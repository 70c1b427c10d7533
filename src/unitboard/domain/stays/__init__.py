"""Stays: admissions, bed assignments, arrivals, moves, swaps, transfers, discharges and
their corrections."""
