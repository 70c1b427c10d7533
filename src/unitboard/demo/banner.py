"""What the demo prints at start: where the hospital came from, the logins, and the wall
display's address."""

from __future__ import annotations

from unitboard.demo.seed import DemoLogins


def demo_banner(logins: DemoLogins) -> str:
    lines = [""]
    if logins.seeded:
        lines.append(f"unitboard demo hospital is ready ({logins.hospital}).")
    else:
        lines += [
            f"This database already has a hospital layout ({logins.hospital}): it is served "
            "as it is,",
            "and the demo's built-in layout was not applied. To change the layout, use "
            "`unitboard layout load FILE`.",
        ]
    if logins.users:
        lines.append("Log in at /login as:")
        lines += [
            f"  {user:<10} password {password:<16} ({role})"
            for user, password, role in logins.users
        ]
    else:
        lines.append(
            "This database has its own people: the demo adds no logins to it (use "
            "`unitboard users add`)."
        )
    if logins.display_token and logins.display_unit:
        lines.append(f"Wall display: /display/{logins.display_unit}#token={logins.display_token}")
    return "\n".join(lines) + "\n"
