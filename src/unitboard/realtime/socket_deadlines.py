"""How long a live socket may keep the server waiting. A peer that stops reading (a laptop
shut, a tablet off Wi-Fi, a client that hangs) fills its socket's buffers and then takes
nothing: without a deadline, the send that waits for room, and the close that waits for
the data before it, wait for ever, holding the connection's memory all the while."""

SEND_SECONDS = 5.0
"""How long one send may wait for room: a working connection, even a slow one, takes some
data every few seconds (uvicorn's keepalive ping asks every 10 s)."""

CLOSE_SECONDS = 2.0
"""How long a close may wait for the peer's goodbye before the connection is cut off."""
