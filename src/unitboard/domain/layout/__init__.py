"""The layout: units, rooms and beds, loaded from the file a hospital edits."""
