"""One env per worker process, driven over a pipe.

OpenSim is never shared between threads: the server keeps no simulator of
its own; each instance's env lives in a process of its own (started with
``forkserver`` — the fork server preloads :mod:`osim.env`, so a new worker
starts in about 0.1 s — or ``spawn``). The server talks to it through
:class:`WorkerHandle`, which never blocks forever: a dead worker is noticed
at once (the pipe closes) and a stuck one is killed after the request
timeout; both raise :class:`WorkerDied`.

Messages (pickled over a :func:`multiprocessing.Pipe`): the parent sends
``(command, args)``; the worker answers ``("ok", result)``, ``("input",
message)`` for bad input (the env raised ValueError/TypeError; the env's
state is unchanged) or ``("error", message)`` for anything else.
"""
from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import time
import traceback
from typing import Any

__all__ = ["WorkerDied", "WorkerError", "WorkerHandle", "WorkerInputError", "to_jsonable", "worker_main"]

#: modules the fork server imports once, before forking workers
PRELOAD = ["osim.env", "osim.registry", "osim.http.worker"]


class WorkerError(RuntimeError):
    """The env raised an unexpected exception (the worker is still alive)."""


class WorkerInputError(ValueError):
    """The env rejected the input (ValueError/TypeError); nothing changed."""


class WorkerDied(RuntimeError):
    """The worker process is gone (crashed, killed, or killed by the server after a timeout)."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


# ------------------------------------------------------------------ JSON
def to_jsonable(value: Any) -> Any:
    """Plain JSON types: arrays to lists, NumPy scalars to Python numbers, NaN/inf to None."""
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            return to_jsonable(value.tolist())
        return value.tolist()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return str(value)


# ------------------------------------------------------------ child side
def _make_env(env_class: str, kwargs: dict):
    from osim import registry

    if ":" in env_class:
        return registry.load_class(env_class)(**kwargs)
    try:
        return registry.make_classic_env(env_class, **kwargs)
    except ValueError:
        import osim.env

        if env_class in getattr(osim.env, "__all__", ()):  # exported but not registered (yet)
            return getattr(osim.env, env_class)(**kwargs)
        raise


class _Session:
    """The worker's env and how it answers."""

    def __init__(self, spec: dict) -> None:
        import numpy as np

        self.np = np
        self.env = _make_env(spec["env_class"], dict(spec.get("kwargs") or {}))
        self.form = spec.get("observation", "vector")
        self.reset_kwargs = dict(spec.get("reset_kwargs") or {})
        max_steps = spec.get("max_steps") or self.env.spec.timestep_limit
        # the env itself ends episodes at the evaluation's length (by default its own time limit)
        self.env.spec.timestep_limit = int(max_steps)
        self.max_steps = int(max_steps)

    def info(self) -> dict:
        return {"action_size": int(self.env.get_action_space_size()), "max_steps": self.max_steps,
                "pid": os.getpid()}

    def observation(self, returned: Any) -> Any:
        env = self.env
        if self.form == "state_desc":
            return to_jsonable(env.get_state_desc())
        if self.form == "dict":
            return to_jsonable(returned if isinstance(returned, dict) else env.get_observation_dict())
        if isinstance(returned, dict):  # an env whose default observation is a dict
            returned = env.get_observation()
        return to_jsonable(self.np.asarray(returned, dtype=float))

    def reset(self, seed: int | None, scenario: dict | None) -> Any:
        kwargs = dict(self.reset_kwargs)
        if seed is not None:
            kwargs["seed"] = seed
        if scenario is not None:
            kwargs["scenario"] = scenario
        return self.observation(self.env.reset(**kwargs))

    def step(self, action: list) -> tuple:
        action = self.np.asarray(action, dtype=float)
        obs, reward, done, info = self.env.step(action)
        return self.observation(obs), float(reward), bool(done), to_jsonable(info)


def worker_main(conn, spec: dict) -> None:
    """Entry point of a worker process: build the env, then answer commands until told to close."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server shuts workers down itself
    try:
        session = _Session(spec)
    except BaseException as exc:  # noqa: BLE001 - reported to the server, which reports it to the client
        conn.send(("error", f"could not build {spec.get('env_class')}: {type(exc).__name__}: {exc}"))
        conn.close()
        return
    conn.send(("ok", session.info()))
    while True:
        try:
            command, args = conn.recv()
        except (EOFError, OSError):  # the server is gone
            break
        if command == "close":
            break
        try:
            if command == "reset":
                result = session.reset(*args)
            elif command == "step":
                result = session.step(*args)
            elif command == "ping":
                result = "pong"
            else:
                raise RuntimeError(f"unknown worker command {command!r}")
        except (ValueError, TypeError) as exc:
            reply = ("input", str(exc))
        except Exception as exc:  # noqa: BLE001
            reply = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
        else:
            reply = ("ok", result)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            break
    try:
        session.env.close()
    finally:
        conn.close()


# ----------------------------------------------------------- parent side
_contexts: dict[str, Any] = {}


def get_context(start_method: str):
    """The multiprocessing context (the fork server preloads the envs)."""
    if start_method not in _contexts:
        ctx = mp.get_context(start_method)
        if start_method == "forkserver":
            ctx.set_forkserver_preload(PRELOAD)
        _contexts[start_method] = ctx
    return _contexts[start_method]


class WorkerHandle:
    """The server's end of one worker process."""

    def __init__(self, spec: dict, start_method: str = "forkserver", start_timeout: float = 120.0,
                 name: str = "osim-worker") -> None:
        ctx = get_context(start_method)
        parent, child = ctx.Pipe()
        self.conn = parent
        self.process = ctx.Process(target=worker_main, args=(child, spec), name=name, daemon=True)
        self.process.start()
        self.pid: int | None = self.process.pid
        child.close()  # only the worker holds its end: its death closes the pipe
        self.closed = False
        try:
            self.info = self._receive(start_timeout, "starting")
        except WorkerError:
            self.kill()
            raise

    def request(self, command: str, args: tuple = (), timeout: float = 120.0) -> Any:
        """Send one command and wait for its answer (at most ``timeout`` seconds)."""
        if self.closed:
            raise WorkerDied("the worker was closed")
        try:
            self.conn.send((command, args))
        except (BrokenPipeError, EOFError, OSError):
            raise self._died(command) from None
        return self._receive(timeout, command)

    def _receive(self, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise WorkerDied(f"the worker did not answer {what!r} within {timeout:g} s and was killed",
                                 timed_out=True)
            try:
                if self.conn.poll(min(remaining, 1.0)):
                    status, payload = self.conn.recv()
                    break
            except (EOFError, OSError, ConnectionError):
                raise self._died(what) from None
            if not self.process.is_alive():
                raise self._died(what)
        if status == "ok":
            return payload
        if status == "input":
            raise WorkerInputError(payload)
        raise WorkerError(payload)

    def _died(self, what: str) -> WorkerDied:
        self.process.join(timeout=2.0)
        code = self.process.exitcode
        self.kill()
        if code is not None and code < 0:
            try:
                how = f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}"
        return WorkerDied(f"the worker process died ({how}) during {what!r}")

    def close(self, timeout: float = 5.0) -> None:
        """Ask the worker to exit; kill it if it does not."""
        if self.closed:
            return
        try:
            self.conn.send(("close", ()))
        except (BrokenPipeError, EOFError, OSError):
            pass
        self.process.join(timeout=timeout)
        self.kill()

    def kill(self) -> None:
        """Stop the worker at once (SIGKILL) and release the pipe."""
        if self.closed:
            return
        self.closed = True
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5.0)
        self.conn.close()
        try:
            self.process.close()
        except ValueError:  # still running after SIGKILL + 5 s: leave it to the OS
            pass

    def __repr__(self) -> str:
        return f"<WorkerHandle pid={self.pid} closed={self.closed}>"
