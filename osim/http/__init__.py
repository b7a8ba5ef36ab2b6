"""Remote evaluation: the challenges' grader protocol over HTTP.

* :class:`osim.http.client.Client` — the challenge client (``env_create``,
  ``env_step``, ``env_reset``, ``submit``).
* :func:`serve` — the evaluation server (``osim-rl serve --config eval.toml``;
  FastAPI + uvicorn), configured by a TOML file (:mod:`osim.http.config`,
  example in ``osim/http/eval.example.toml``; :func:`example_config_path`).

The server's modules import FastAPI only when used, so the client needs
nothing but ``requests``.
"""
from __future__ import annotations

from pathlib import Path

from osim.http.client import Client, ServerError

__all__ = ["Client", "ServerError", "ServerThread", "create_app", "example_config_path", "serve"]


def serve(config_path: str | Path, host: str = "127.0.0.1", port: int = 5000, log_level: str = "info") -> None:
    """Run the evaluation server for ``config_path`` on ``host:port`` (blocks until interrupted)."""
    from osim.http.server import serve as _serve

    _serve(config_path, host=host, port=port, log_level=log_level)


def example_config_path() -> Path:
    """The example configuration shipped with the package."""
    return Path(__file__).with_name("eval.example.toml")


def __getattr__(name: str):
    if name in ("create_app", "ServerThread"):
        from osim.http import server

        return getattr(server, name)
    raise AttributeError(f"module 'osim.http' has no attribute {name!r}")
