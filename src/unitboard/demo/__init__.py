"""The demo hospital: its layout, its people and a simulator that keeps it busy."""
