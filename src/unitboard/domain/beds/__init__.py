"""Beds: each bed's occupancy, cleanliness and block; housekeeping's commands."""
