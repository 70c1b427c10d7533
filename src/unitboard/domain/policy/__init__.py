"""Hospital policy: the numbers the time-based rules read (escalation, re-pages, re-sends,
transport targets, co-signature deadlines), from the layout file's `[policy]` table."""
