"""The challenges' remote-evaluation client, for ``osim-rl serve`` or any server of that protocol.

The call pattern of the challenges works as written::

    from osim.http.client import Client

    client = Client(remote_base)          # e.g. "http://127.0.0.1:5000"
    observation = client.env_create(token, env_id="L2M2019Env")
    while True:
        [observation, reward, done, info] = client.env_step(my_controller(observation), True)
        if done:
            observation = client.env_reset()
            if not observation:
                break
    client.submit()

Observations come back as JSON values (lists of floats, or dicts), never
NumPy arrays, so ``if not observation`` means "no episode left". Actions
may be lists, tuples, NumPy arrays or anything with ``tolist()``.

Differences from the original client (fixes; docs/quirks.md, Q57): a
score of exactly 0 is a score, not an error (the original tested it for
truth); ``submit()`` returns the score; ``env_create`` raises
:class:`ServerError` instead of exiting the process; nothing is printed
(the score is logged at INFO level on logger ``osim.http.client``).
"""
from __future__ import annotations

import json
import logging
from typing import Any

import requests

__all__ = ["Client", "ServerError"]

_log = logging.getLogger("osim.http.client")


class ServerError(Exception):
    """The server answered an error status with a JSON ``message``."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code

    def __str__(self) -> str:
        return f"[{self.status_code}] {self.message}" if self.status_code is not None else self.message


def _default(value: Any) -> Any:
    """JSON for NumPy arrays and scalars, torch tensors and the like."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "__array__"):
        import numpy as np

        return np.asarray(value).tolist()
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def _client_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("osim-rl")
    except metadata.PackageNotFoundError:
        import osim

        return osim.__version__


class Client:
    """A session with one evaluation server.

    Parameters
    ----------
    remote_base:
        The server's address, e.g. ``"http://127.0.0.1:5000"``.
    timeout:
        Seconds to wait for an answer (requests' ``timeout``; None waits forever).
    """

    def __init__(self, remote_base: str = "http://127.0.0.1:5000", timeout: float | None = 600.0) -> None:
        self.remote_base = remote_base.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"Content-type": "application/json"})
        self.instance_id: str | None = None

    # ------------------------------------------------------------ transport
    def _url(self, route: str) -> str:
        return self.remote_base + route

    def _post_request(self, route: str, data: Any) -> Any:
        url = self._url(route)
        body = json.dumps(data, default=_default)
        _log.debug("POST %s %s", url, body[:200])
        resp = self.session.post(url, data=body, timeout=self.timeout)
        return self._parse_server_error_or_raise_for_status(resp)

    def _get_request(self, route: str) -> Any:
        resp = self.session.get(self._url(route), timeout=self.timeout)
        return self._parse_server_error_or_raise_for_status(resp)

    @staticmethod
    def _parse_server_error_or_raise_for_status(resp: requests.Response) -> Any:
        try:
            j = resp.json()
        except ValueError:
            resp.raise_for_status()
            return None  # e.g. 204 No Content from other servers of the protocol
        if resp.status_code != 200 and isinstance(j, dict) and "message" in j:
            raise ServerError(message=j["message"], status_code=resp.status_code)
        resp.raise_for_status()
        return j

    def _instance_route(self, suffix: str) -> str:
        if self.instance_id is None:
            raise RuntimeError("no evaluation instance: call env_create(token, env_id) first")
        return f"/v1/envs/{self.instance_id}/{suffix}"

    # ---------------------------------------------------------- the protocol
    def env_create(self, token: str, env_id: str = "Run") -> Any:
        """Create an evaluation instance; returns the first observation (monitor start and reset included)."""
        result = self._post_request("/v1/envs/", {"env_id": env_id, "token": token, "version": _client_version()})
        self.instance_id = result["instance_id"]
        self.env_monitor_start("tmp", force=True, resume=False)
        return self.env_reset()

    def env_reset(self) -> Any:
        """The next episode's first observation, or ``None`` when the evaluation's episodes are done."""
        return self._post_request(self._instance_route("reset/"), None)["observation"]

    def env_step(self, action: Any, render: bool = False) -> list:
        """One step: ``[observation, reward, done, info]``."""
        resp = self._post_request(self._instance_route("step/"), {"action": action, "render": bool(render)})
        return [resp["observation"], resp["reward"], resp["done"], resp["info"]]

    def env_monitor_start(self, directory: str = "tmp", force: bool = False, resume: bool = False,
                          video_callable: bool = False) -> None:
        self._post_request(self._instance_route("monitor/start/"), {
            "directory": directory, "force": force, "resume": resume, "video_callable": video_callable})

    def env_monitor_close(self) -> dict:
        """Submit the finished evaluation; the answer has the score as ``reward``."""
        return self._post_request(self._instance_route("monitor/close/"), None)

    def env_close(self) -> None:
        self._post_request(self._instance_route("close/"), None)
        self.instance_id = None

    def submit(self) -> float:
        """Submit the evaluation, close the instance and return the score (0 is a valid score)."""
        result = self.env_monitor_close()
        score = result.get("reward")
        if score is None:
            raise ServerError("the server accepted the submission but sent no score", 200)
        _log.info("Your total reward from this submission: %f", score)
        self.env_close()
        return score

    # -------------------------------------------------------------- extras
    def leaderboard(self, env_id: str) -> dict:
        """The server's leaderboard for ``env_id`` (GET /v1/leaderboard/{env_id})."""
        return self._get_request(f"/v1/leaderboard/{env_id}")

    def close(self) -> None:
        """Release the HTTP connection pool (the evaluation instance is not closed)."""
        self.session.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
