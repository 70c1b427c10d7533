"""Alembic's environment for unitboard's schema: env.py, the template for new revisions
(script.py.mako) and the revisions themselves (versions/). unitboard.store.migrate runs
them; nothing here is imported by the running server."""
