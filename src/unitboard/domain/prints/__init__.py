"""Armbands and specimen labels printed for a stay: each print recorded, because a wrong
armband is a patient-safety event."""
