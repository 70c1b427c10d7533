"""The Starlette app: JSON API, WebSocket feeds, the screens."""
