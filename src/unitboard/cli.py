"""The `unitboard` command: serve, layout load, users, tokens, replay, db upgrade."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections.abc import Callable, Sequence
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

from unitboard.config import Settings, default_database_url
from unitboard.domain.errors import DomainError
from unitboard.domain.roles import ROLES
from unitboard.service.accounts import Accounts, new_password_hash
from unitboard.service.auth import Actor, CredentialError
from unitboard.store.migrate import SchemaError

EXIT_REFUSED = 2
DEMO_HL7_PORT = 2575
"""MLLP's registered port: where `--demo --adt` listens unless told otherwise."""
IPNetwork = IPv4Network | IPv6Network


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except (DomainError, CredentialError, SchemaError, OSError, ValueError, LookupError) as exc:
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        print(f"unitboard: {message}", file=sys.stderr)
        return EXIT_REFUSED
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unitboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    add_database(serve)
    serve.add_argument("--redis-url", default=os.environ.get("UNITBOARD_REDIS_URL"))
    serve.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        help="proxies trusted to say the client's address and https (X-Forwarded-For and "
        "-Proto), comma-separated, '*' for all (default: 127.0.0.1, a proxy on this machine)",
    )
    serve.add_argument("--layout", type=Path, help="load this layout file at start")
    serve.add_argument("--demo", action="store_true", help="seed a demo hospital with activity")
    serve.add_argument("--no-simulator", action="store_true", help="with --demo: no activity")
    add_hl7(serve)
    serve.add_argument(
        "--max-connections-per-address",
        type=int,
        default=256,
        help="open connections one client address may hold (0: any number); "
        "this machine and trusted proxies are never capped",
    )
    serve.set_defaults(run=run_serve)

    layout = commands.add_parser("layout", help="the hospital layout")
    layout_commands = layout.add_subparsers(dest="action", required=True)
    load = layout_commands.add_parser("load", help="load a layout TOML file")
    load.add_argument("file", type=Path)
    add_database(load)
    load.set_defaults(run=run_layout_load)

    users = commands.add_parser("users", help="people who log in")
    user_commands = users.add_subparsers(dest="action", required=True)
    add = user_commands.add_parser("add", help="add a user; the password is read from stdin")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name")
    add.add_argument(
        "--unit",
        action="append",
        default=[],
        dest="units",
        help="a unit they work on (repeat for several; the first is where they land)",
    )
    add_database(add)
    add.set_defaults(run=run_users_add)
    disable = user_commands.add_parser(
        "disable", help="disable a user; their open sessions end at once"
    )
    disable.add_argument("username")
    add_database(disable)
    disable.set_defaults(run=run_users_disable)
    enable = user_commands.add_parser("enable", help="let a disabled user log in again")
    enable.add_argument("username")
    add_database(enable)
    enable.set_defaults(run=run_users_enable)
    password = user_commands.add_parser(
        "password",
        help="set a new password, read from stdin; their open sessions end",
    )
    password.add_argument("username")
    add_database(password)
    password.set_defaults(run=run_users_password)

    tokens = commands.add_parser("tokens", help="API and device tokens")
    token_commands = tokens.add_subparsers(dest="action", required=True)
    create = token_commands.add_parser("create", help="create a token (printed once)")
    create.add_argument("name")
    acts_as = create.add_mutually_exclusive_group(required=True)
    acts_as.add_argument("--role", choices=ROLES, help="a system's or a device's token")
    acts_as.add_argument(
        "--user",
        metavar="USERNAME",
        help="a personal token: acts as this person (their role, units and pages); "
        "disabling them disables it",
    )
    create.add_argument("--unit", help="with --role: the one unit it may read")
    add_database(create)
    create.set_defaults(run=run_tokens_create)
    revoke = token_commands.add_parser(
        "revoke", help="revoke a token by name; its display sessions end within seconds"
    )
    revoke.add_argument("name")
    add_database(revoke)
    revoke.set_defaults(run=run_tokens_revoke)

    replay = commands.add_parser("replay", help="rebuild every projection and verify it")
    add_database(replay)
    replay.set_defaults(run=run_replay)

    database = commands.add_parser("db", help="the database schema")
    database_commands = database.add_subparsers(dest="action", required=True)
    upgrade = database_commands.add_parser(
        "upgrade", help="bring the schema to this unitboard's revision (other commands refuse)"
    )
    add_database(upgrade)
    upgrade.set_defaults(run=run_db_upgrade)
    return parser


def add_hl7(serve: argparse.ArgumentParser) -> None:
    """The EHR's ADT feed: HL7 v2 over MLLP, in the server's own process."""
    serve.add_argument(
        "--hl7-port",
        type=port_number,
        default=os.environ.get("UNITBOARD_HL7_PORT") or None,
        help="listen for the EHR's HL7 v2 ADT feed (MLLP) on this port (default: "
        "UNITBOARD_HL7_PORT, else no feed; 2575 with --demo --adt)",
    )
    serve.add_argument(
        "--hl7-allow",
        type=hl7_allow,
        default=os.environ.get("UNITBOARD_HL7_ALLOW") or "127.0.0.1/32",
        metavar="CIDR,...",
        help="addresses the feed accepts connections from, comma-separated networks "
        "(default: UNITBOARD_HL7_ALLOW, else 127.0.0.1/32)",
    )
    serve.add_argument("--hl7-host", help="the feed's address to listen on (default: --host)")
    serve.add_argument(
        "--adt",
        action="store_true",
        help="with --demo: the activity comes as HL7 ADT messages through the feed",
    )


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535).")
    return port


def hl7_allow(text: str) -> tuple[IPNetwork, ...]:
    from unitboard.integrations.hl7.mllp import allow_list

    try:
        return allow_list(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: UNITBOARD_DATABASE_URL or sqlite:///unitboard.db in the working directory",
    )


def cli_actor() -> Actor:
    return Actor(f"cli:{getpass.getuser()}", "admin", None, "command line")


def database_url(args: argparse.Namespace) -> str:
    return str(args.database_url or default_database_url())


def run_serve(args: argparse.Namespace) -> int:
    from unitboard.web.app import create_app
    from unitboard.web.server import build_server

    if args.adt and not args.demo:
        raise ValueError("--adt runs the demo's ADT simulator: use it with --demo.")
    hl7_port = args.hl7_port
    if args.adt and hl7_port is None:
        hl7_port = DEMO_HL7_PORT
    settings = Settings.from_env(
        database_url=args.database_url,
        redis_url=args.redis_url,
        layout=args.layout,
        demo=args.demo,
        simulate=not args.no_simulator,
        hl7_port=hl7_port,
        hl7_host=args.hl7_host or args.host,
        hl7_allow=args.hl7_allow,
        adt_demo=args.adt,
    )
    app = create_app(settings)
    server = build_server(
        app,
        per_address=args.max_connections_per_address,
        forwarded_allow_ips=args.forwarded_allow_ips,
        proxy_headers=True,
        host=args.host,
        port=args.port,
        # Compression is per connection: every push would be deflated once per screen.
        ws_per_message_deflate=False,
        log_level="info",
        ws_ping_interval=10,
        ws_ping_timeout=10,
    )
    server.run()
    return 0 if server.started else 3  # as uvicorn.run: the server never started


def run_layout_load(args: argparse.Namespace) -> int:
    from unitboard.bootstrap import open_writing

    text = args.file.read_text(encoding="utf-8")
    writing = open_writing(database_url(args))
    try:
        appended = writing.service.load_layout(cli_actor(), text)
    finally:
        writing.close()
    if appended.events:
        print(
            f"layout loaded: {len(appended.events)} change(s) recorded, log at {appended.position}"
        )
    else:
        print("layout unchanged: nothing recorded")
    return 0


def read_password(username: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(f"password for {username}: ")
    return sys.stdin.readline().rstrip("\n")


def open_accounts(args: argparse.Namespace) -> tuple[Accounts, Callable[[], None]]:
    from unitboard.bootstrap import open_credentials

    credentials = open_credentials(database_url(args))
    return Accounts(credentials.store, credentials.sessions), credentials.close


def run_users_add(args: argparse.Namespace) -> int:
    password_hash = new_password_hash(read_password(args.username))
    accounts, close = open_accounts(args)
    try:
        user = accounts.add_user(
            args.username, password_hash, args.role, args.name, args.units, by=cli_actor().name
        )
    finally:
        close()
    units = f", units {', '.join(user.units)}" if user.units else ""
    print(f"user {args.username} added ({args.role}{units})")
    return 0


def run_users_disable(args: argparse.Namespace) -> int:
    accounts, close = open_accounts(args)
    try:
        ended = accounts.disable(args.username, by=cli_actor().name)
    finally:
        close()
    print(f"user {args.username} disabled; {ended} open session(s) ended")
    return 0


def run_users_enable(args: argparse.Namespace) -> int:
    accounts, close = open_accounts(args)
    try:
        changed = accounts.enable(args.username, by=cli_actor().name)
    finally:
        close()
    print(f"user {args.username} {'enabled' if changed else 'was not disabled'}")
    return 0


def run_users_password(args: argparse.Namespace) -> int:
    password_hash = new_password_hash(read_password(args.username))
    accounts, close = open_accounts(args)
    try:
        ended = accounts.reset_password(args.username, password_hash, by=cli_actor().name)
    finally:
        close()
    print(f"password of {args.username} set; {ended} open session(s) ended")
    return 0


def run_tokens_create(args: argparse.Namespace) -> int:
    if args.user is not None and args.unit:
        raise ValueError("a personal token works on its person's units: leave out --unit")
    accounts, close = open_accounts(args)
    try:
        if args.user is not None:
            token = accounts.create_personal_token(args.name, args.user, by=cli_actor().name)
            made = f"acts as {args.user}"
        else:
            token = accounts.create_token(args.name, args.role, args.unit, by=cli_actor().name)
            made = f"{args.role}{', unit ' + args.unit if args.unit else ''}"
    finally:
        close()
    print(f"token {args.name!r} ({made}); shown once, keep it safe:")
    print(token)
    return 0


def run_tokens_revoke(args: argparse.Namespace) -> int:
    accounts, close = open_accounts(args)
    try:
        revoked, ended = accounts.revoke_tokens_named(args.name, by=cli_actor().name)
    finally:
        close()
    if not revoked:
        raise LookupError(f"there is no valid token named {args.name!r}")
    print(f"token {args.name!r} revoked; {ended} display session(s) ended")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    from unitboard.bootstrap import open_log
    from unitboard.projections.verify import rebuild_and_verify

    engine, log = open_log(database_url(args))
    try:
        started = time.perf_counter()
        report = rebuild_and_verify(log)
        elapsed = time.perf_counter() - started
    finally:
        log.close()
        engine.dispose()
    print(f"replayed {report.events} events in {elapsed:.2f}s: {report.summary}")
    return 0 if report.ok else 1


def run_db_upgrade(args: argparse.Namespace) -> int:
    from unitboard.store import make_engine, upgrade

    engine = make_engine(args.database_url or default_database_url())
    try:
        done = upgrade(engine)
    finally:
        engine.dispose()
    print(done)
    return 0


if __name__ == "__main__":
    sys.exit(main())
