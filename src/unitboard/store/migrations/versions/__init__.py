"""The schema's revisions, oldest first: 0001_initial, 0002_event_versions. Each one is
frozen: it spells out its own DDL and never imports the live tables of store/schema.py."""
