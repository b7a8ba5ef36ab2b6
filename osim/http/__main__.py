"""``python -m osim.http``: run the evaluation server or add a token to its database.

    python -m osim.http serve --config eval.toml [--host 127.0.0.1] [--port 5000]
    python -m osim.http add-token --config eval.toml TOKEN NAME [--max-instances N] [--submissions N]

(``osim-rl serve`` is the same as the first.)
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m osim.http", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="run the evaluation server")
    p_serve.add_argument("--config", required=True, help="the TOML configuration")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=5000)
    p_token = sub.add_parser("add-token", help="add (or update) a token in the server's database")
    p_token.add_argument("--config", required=True, help="the TOML configuration (names the database)")
    p_token.add_argument("token")
    p_token.add_argument("name", help="the participant's name on the leaderboard")
    p_token.add_argument("--max-instances", type=int, default=None)
    p_token.add_argument("--submissions", type=int, default=None, help="submissions per period")
    args = parser.parse_args(argv)

    from osim.http.config import load_config

    try:
        config = load_config(args.config)
    except ValueError as exc:
        parser.error(str(exc))
    if args.command == "serve":
        from osim.http.server import serve

        serve(args.config, host=args.host, port=args.port)
        return 0
    from osim.http.db import Database

    db = Database(config.server.database)
    try:
        db.add_token(args.token, args.name, args.max_instances, args.submissions)
    except ValueError as exc:
        parser.error(str(exc))
    finally:
        db.close()
    sys.stderr.write(f"token for {args.name!r} stored in {config.server.database}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
