"""The evaluation server: the challenges' grader protocol over HTTP (FastAPI).

Routes (those the challenges' client calls; JSON bodies, errors are
``{"message": ...}`` with a 4xx or 5xx status; the OpenAPI description is
served at ``/openapi.json`` and browsable at ``/docs``):

=======================================  =========================================================
``POST /v1/envs/``                       ``{"env_id", "token", "version"}`` → ``{"instance_id", ...}``
``POST /v1/envs/{id}/monitor/start/``    accepted for compatibility (nothing is recorded)
``POST /v1/envs/{id}/reset/``            ``null`` → ``{"observation"}``: the next episode's first
                                         observation, ``null`` when all episodes are done
``POST /v1/envs/{id}/step/``             ``{"action": [...], "render": bool}`` →
                                         ``{"observation", "reward", "done", "info"}``
``POST /v1/envs/{id}/monitor/close/``    submit: ``{"reward": score, "episode_rewards", ...}``
``POST /v1/envs/{id}/close/``            release the instance
``GET /v1/leaderboard/{env_id}``         the best submission of each participant, best first
``GET /leaderboard``                     the same as an HTML page
=======================================  =========================================================

An evaluation is the configured list of episodes of one env id, run in
order; the seeds and scenarios stay on the server. Its score is the
challenges' one: the sum of rewards of each episode, averaged over the
episodes. An episode ends when the env says ``done`` or after ``max_steps``
steps (default: the env's own time limit, not the 2019 service's fixed
1000 steps; docs/quirks.md, Q50).
"""
from __future__ import annotations

import collections
import contextlib
import html
import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, StrictFloat
from starlette.exceptions import HTTPException as StarletteHTTPException

from osim.http.config import EnvConfig, EvalConfig, load_config
from osim.http.db import Database
from osim.http.worker import WorkerDied, WorkerError, WorkerHandle, WorkerInputError

__all__ = ["ApiError", "Evaluator", "ServerThread", "create_app", "serve"]

_log = logging.getLogger("osim.http.server")

# instance states
CREATED, RUNNING, EPISODE_DONE, FINISHED, SUBMITTED = "created", "running", "episode_done", "finished", "submitted"


class ApiError(Exception):
    """An error answered as ``{"message": ...}`` with an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# ------------------------------------------------------------------ models
class CreateRequest(BaseModel):
    env_id: str = Field(description="An env id of the server's configuration, e.g. 'L2M2019Env'.")
    token: str = Field(description="The participant's secret token.")
    version: str | None = Field(None, description="The client's osim-rl version (recorded).")


class CreateResponse(BaseModel):
    instance_id: str
    env_id: str
    episodes: int = Field(description="Number of episodes of the evaluation.")
    max_steps: int = Field(description="Steps after which an episode ends (done is forced).")
    action_size: int
    observation_form: str = Field(description="'vector', 'dict' or 'state_desc'.")


class StepRequest(BaseModel):
    action: list[StrictFloat] = Field(description="One finite number per muscle; values are clipped to [0, 1].")
    render: bool = Field(False, description="Ignored (the server renders nothing).")


class StepResponse(BaseModel):
    observation: Any
    reward: float
    done: bool
    info: dict


class ResetResponse(BaseModel):
    observation: Any = Field(description="The first observation of the next episode; null when none is left.")
    episode: int | None = Field(None, description="Index of the episode that started (null when none is left).")
    episodes: int


class MonitorStartRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    directory: str | None = None
    force: bool = False
    resume: bool = False
    video_callable: Any = False


class SubmitResponse(BaseModel):
    reward: float = Field(description="The score: mean over episodes of each episode's total reward.")
    episode_rewards: list[float]
    episodes: int
    evaluation_id: int
    submitted_at: str


class MessageResponse(BaseModel):
    message: str


class LeaderboardEntry(BaseModel):
    rank: int
    name: str
    score: float
    submitted_at: str
    evaluation_id: int
    submissions: int = Field(description="The participant's submissions for this env id.")
    episode_rewards: list[float]


class LeaderboardResponse(BaseModel):
    env_id: str
    episodes: int | None
    entries: list[LeaderboardEntry]


_ERRORS = {400: {"model": MessageResponse}, 404: {"model": MessageResponse}, 409: {"model": MessageResponse},
           413: {"model": MessageResponse}, 422: {"model": MessageResponse}, 500: {"model": MessageResponse},
           504: {"model": MessageResponse}}


def _iso(t: float | None) -> str:
    return "" if t is None else datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------- evaluator
@dataclass
class Instance:
    id: str
    token: str
    env: EnvConfig
    worker: WorkerHandle | None
    evaluation_id: int
    action_size: int
    max_steps: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)
    state: str = CREATED
    episode: int = -1
    steps: int = 0
    episode_reward: float = 0.0
    episode_start: float = 0.0
    rewards: list[float] = field(default_factory=list)
    score: float | None = None
    submitted_at: float | None = None

    @property
    def n_episodes(self) -> int:
        return len(self.env.episodes)


class Evaluator:
    """Instances, their workers, limits and the database; shared by the request threads."""

    def __init__(self, config: EvalConfig) -> None:
        self.config = config
        self.db = Database(config.server.database)
        stale = self.db.interrupt_running()
        if stale:
            _log.warning("%d evaluation(s) left running by an earlier server were marked interrupted", stale)
        self.db.sync_tokens(config.tokens.values())
        self.instances: dict[str, Instance] = {}
        self._starting: collections.Counter[str] = collections.Counter()
        self._tombstones: collections.OrderedDict[str, str] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._reaper is None:
            self._reaper = threading.Thread(target=self._reap_loop, name="osim-http-reaper", daemon=True)
            self._reaper.start()

    def shutdown(self) -> None:
        """Close every instance (their evaluations become 'interrupted' unless submitted)."""
        self._stop.set()
        if self._reaper is not None:
            self._reaper.join(timeout=5.0)
        with self._lock:
            instances = list(self.instances.values())
            self.instances.clear()
        for inst in instances:
            if inst.worker is not None:
                with contextlib.suppress(Exception):
                    inst.worker.conn.send(("close", ()))
        for inst in instances:
            if inst.state != SUBMITTED:
                self.db.end_evaluation(inst.evaluation_id, "interrupted", "the server stopped")
            if inst.worker is not None:
                inst.worker.close(timeout=5.0)
        self.db.close()

    def _reap_loop(self) -> None:
        timeout = self.config.server.idle_timeout
        interval = min(1.0, max(0.05, timeout / 4))
        while not self._stop.wait(interval):
            now = time.monotonic()
            with self._lock:
                idle = [i for i in self.instances.values() if now - i.last_used > timeout]
            for inst in idle:
                if not inst.lock.acquire(blocking=False):
                    continue  # a request is using it
                try:
                    if time.monotonic() - inst.last_used > timeout and inst.id in self.instances:
                        self._remove(inst, "timed_out",
                                     f"instance {inst.id} was closed after {timeout:g} s without requests")
                finally:
                    inst.lock.release()

    def _remove(self, inst: Instance, status: str, message: str) -> None:
        """Forget an instance: stop its worker, end its evaluation, remember why for later requests."""
        with self._lock:
            self.instances.pop(inst.id, None)
            self._tombstones[inst.id] = message
            while len(self._tombstones) > 10000:
                self._tombstones.popitem(last=False)
        if inst.state != SUBMITTED:
            self.db.end_evaluation(inst.evaluation_id, status, message)
        if inst.worker is not None and status == "failed":
            inst.worker.kill()
        elif inst.worker is not None:
            inst.worker.close()
        _log.info("instance %s removed (%s): %s", inst.id, status, message)

    # ------------------------------------------------------------- requests
    def create(self, env_id: str, token: str, version: str | None) -> Instance:
        tok = self.db.get_token(token) if isinstance(token, str) and token else None
        if tok is None:
            raise ApiError(401, "unknown token: ask the organisers for yours (tokens are case-sensitive)")
        env = self.config.envs.get(env_id)
        if env is None:
            raise ApiError(400, f"unknown env_id {env_id!r}; this server evaluates: {', '.join(self.config.envs)}")
        limits = self.config.limits
        max_instances = tok["max_instances"] or limits.max_instances
        max_submissions = tok["submissions_per_period"] or limits.submissions_per_period
        with self._lock:
            live = sum(1 for i in self.instances.values() if i.token == token) + self._starting[token]
            if live >= max_instances:
                raise ApiError(429, f"this token already has {live} open instance(s), the limit is "
                                    f"{max_instances}: submit or close one first (idle ones close after "
                                    f"{self.config.server.idle_timeout:g} s)")
            total = len(self.instances) + sum(self._starting.values())
            if total >= self.config.server.max_instances:
                raise ApiError(503, f"the server is busy ({total} instances open); try again later")
            used = self.db.count_submissions(token, time.time() - limits.period)
            if used >= max_submissions:
                raise ApiError(429, f"this token used its {max_submissions} submission(s) of the last "
                                    f"{limits.period:g} s; try again later")
            self._starting[token] += 1
        try:
            instance_id = secrets.token_hex(12)
            spec = {"env_class": env.env_class, "kwargs": env.kwargs, "max_steps": env.max_steps,
                    "observation": env.observation, "reset_kwargs": env.reset_kwargs}
            try:
                worker = WorkerHandle(spec, self.config.server.start_method, self.config.server.start_timeout,
                                      name=f"osim-worker-{instance_id[:8]}")
            except (WorkerDied, WorkerError) as exc:
                _log.error("could not start a worker for %s: %s", env_id, exc)
                raise ApiError(500, f"the server could not start {env_id}: {exc}") from None
            evaluation_id = self.db.start_evaluation(instance_id, token, env_id, len(env.episodes), version)
            inst = Instance(id=instance_id, token=token, env=env, worker=worker, evaluation_id=evaluation_id,
                            action_size=worker.info["action_size"], max_steps=worker.info["max_steps"])
            with self._lock:
                self.instances[instance_id] = inst
        finally:
            with self._lock:
                self._starting[token] -= 1
        _log.info("instance %s created: %s for %s (evaluation %d)", instance_id, env_id, tok["name"], evaluation_id)
        return inst

    def get(self, instance_id: str) -> Instance:
        with self._lock:
            inst = self.instances.get(instance_id)
            if inst is None:
                why = self._tombstones.get(instance_id)
        if inst is None:
            raise ApiError(404, why or f"unknown instance {instance_id!r}: create one with POST /v1/envs/")
        return inst

    @contextlib.contextmanager
    def using(self, instance_id: str):
        """The instance, locked for one request."""
        inst = self.get(instance_id)
        if not inst.lock.acquire(timeout=self.config.server.request_timeout + 5.0):
            raise ApiError(409, f"instance {instance_id} is busy with another request")
        try:
            if self.instances.get(instance_id) is not inst:  # removed while we waited
                self.get(instance_id)
            inst.last_used = time.monotonic()
            yield inst
        finally:
            inst.last_used = time.monotonic()
            inst.lock.release()

    def _call(self, inst: Instance, command: str, args: tuple) -> Any:
        try:
            return inst.worker.request(command, args, timeout=self.config.server.request_timeout)
        except WorkerInputError as exc:
            raise ApiError(400, str(exc)) from None
        except WorkerDied as exc:
            message = f"instance {inst.id}: {exc}; the evaluation was closed (create a new one)"
            self._remove(inst, "failed", message)
            raise ApiError(504 if exc.timed_out else 500, message) from None
        except WorkerError as exc:
            message = f"instance {inst.id}: the env failed: {exc}; the evaluation was closed (create a new one)"
            self._remove(inst, "failed", message)
            raise ApiError(500, message) from None

    def reset(self, instance_id: str) -> dict:
        with self.using(instance_id) as inst:
            if inst.state == RUNNING:
                raise ApiError(409, f"episode {inst.episode} is still running (step {inst.steps} of at most "
                                    f"{inst.max_steps}): step until done before reset")
            if inst.state in (FINISHED, SUBMITTED) or inst.episode + 1 >= inst.n_episodes:
                if inst.state == EPISODE_DONE:
                    inst.state = FINISHED
                return {"observation": None, "episode": None, "episodes": inst.n_episodes}
            k = inst.episode + 1
            ep = inst.env.episodes[k]
            observation = self._call(inst, "reset", (ep.seed, ep.scenario))
            inst.episode, inst.steps, inst.episode_reward = k, 0, 0.0
            inst.episode_start = time.monotonic()
            inst.state = RUNNING
            return {"observation": observation, "episode": k, "episodes": inst.n_episodes}

    def step(self, instance_id: str, action: list[float]) -> dict:
        with self.using(instance_id) as inst:
            if len(action) != inst.action_size:
                raise ApiError(400, f"action must have {inst.action_size} values (one excitation per muscle, "
                                    f"in [0, 1]); got {len(action)}")
            bad = [k for k, a in enumerate(action) if not math.isfinite(a)]
            if bad:
                raise ApiError(400, f"action has non-finite values (NaN or inf) at indices {bad}; "
                                    "excitations must be finite numbers in [0, 1]")
            if inst.state != RUNNING:
                raise ApiError(409, {
                    CREATED: "no episode is running: call reset first",
                    EPISODE_DONE: f"episode {inst.episode} has ended (done): call reset for the next one",
                    FINISHED: "all episodes are done: submit (monitor/close) the evaluation",
                    SUBMITTED: "the evaluation was submitted: close this instance",
                }[inst.state])
            observation, reward, done, info = self._call(inst, "step", (action,))
            inst.steps += 1
            inst.episode_reward += reward
            if inst.steps >= inst.max_steps:
                done = True
            if done:
                inst.rewards.append(inst.episode_reward)
                inst.state = EPISODE_DONE
                self.db.record_episode(inst.evaluation_id, inst.episode, inst.episode_reward, inst.steps,
                                       time.monotonic() - inst.episode_start)
            return {"observation": observation, "reward": reward, "done": done, "info": info}

    def submit(self, instance_id: str) -> dict:
        with self.using(instance_id) as inst:
            if inst.state != SUBMITTED:
                finished = inst.state == FINISHED or (
                    inst.state == EPISODE_DONE and inst.episode + 1 >= inst.n_episodes)
                if not finished:
                    done = len(inst.rewards)
                    raise ApiError(409, f"the evaluation is not finished: {done} of {inst.n_episodes} episodes "
                                        "done; step until done and reset until the observation is null")
                limits = self.config.limits
                tok = self.db.get_token(inst.token) or {}
                max_submissions = tok.get("submissions_per_period") or limits.submissions_per_period
                if self.db.count_submissions(inst.token, time.time() - limits.period) >= max_submissions:
                    raise ApiError(429, f"this token used its {max_submissions} submission(s) of the last "
                                        f"{limits.period:g} s; try again later")
                score = sum(inst.rewards) / len(inst.rewards)
                if not self.db.submit(inst.evaluation_id, score):
                    raise ApiError(409, "this evaluation can no longer be submitted")
                inst.score, inst.submitted_at, inst.state = score, time.time(), SUBMITTED
                worker, inst.worker = inst.worker, None
                worker.close()
                _log.info("evaluation %d submitted: %s score %.6f", inst.evaluation_id, inst.env.env_id, score)
            return {"reward": inst.score, "episode_rewards": list(inst.rewards), "episodes": inst.n_episodes,
                    "evaluation_id": inst.evaluation_id, "submitted_at": _iso(inst.submitted_at)}

    def close(self, instance_id: str) -> dict:
        with self.using(instance_id) as inst:
            self._remove(inst, "closed", f"instance {inst.id} was closed by the client")
            return {"closed": True, "reward": inst.score}

    def leaderboard(self, env_id: str) -> dict:
        env = self.config.envs.get(env_id)
        if env is None and env_id not in self.db.env_ids():
            raise ApiError(404, f"unknown env_id {env_id!r}; leaderboards: "
                                f"{', '.join(sorted(set(self.config.envs) | set(self.db.env_ids())))}")
        entries = self.db.leaderboard(env_id)
        for e in entries:
            e["submitted_at"] = _iso(e["submitted_at"])
        return {"env_id": env_id, "episodes": None if env is None else len(env.episodes), "entries": entries}

    def leaderboard_ids(self) -> list[str]:
        return sorted(set(self.config.envs) | set(self.db.env_ids()))


# ---------------------------------------------------------------- the app
class ProtocolMiddleware:
    """Lenient framing for clients in any language, strict size.

    * Request bodies larger than ``max_bytes`` get 413 before any route runs.
    * ``POST /v1/...`` bodies are JSON whatever their Content-Type says (the
      original graders did not insist on the header).
    * ``/v1/envs/...`` routes answer with or without their trailing slash.
    """

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.startswith("/v1/"):
            scope = dict(scope)
            if path.startswith("/v1/envs") and not path.endswith("/"):
                scope["path"] = path + "/"
                scope["raw_path"] = (scope.get("raw_path") or path.encode()) + b"/"
            if scope.get("method") == "POST":
                headers = [(k, v) for k, v in scope.get("headers") or [] if k != b"content-type"]
                scope["headers"] = headers + [(b"content-type", b"application/json")]
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = False
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
        chunks, total = [], 0
        if not too_big:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunk = message.get("body", b"")
                total += len(chunk)
                if total > self.max_bytes:
                    too_big = True
                    break
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        if too_big:
            await self._drain(receive, total)
            response = JSONResponse({"message": f"request body too large (limit {self.max_bytes} bytes)"},
                                    status_code=413)
            await response(scope, receive, send)
            return
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _drain(self, receive, total: int, cap: int = 64 << 20) -> None:
        """Read what the client still sends (up to ``cap``) so it gets the 413 instead of a reset connection."""
        more = True
        while more and total < cap:
            message = await receive()
            if message["type"] != "http.request":
                return
            total += len(message.get("body", b""))
            more = message.get("more_body", False)


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "malformed JSON in the request body: " + "; ".join(
            str(e.get("ctx", {}).get("error", e.get("msg"))) for e in errors if e.get("type") == "json_invalid")
    parts = []
    for e in errors[:5]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {e.get('msg')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return 422, "invalid request body: " + "; ".join(parts) + more


_DESCRIPTION = """\
Remote evaluation of osim-rl challenge environments, speaking the protocol of
the challenges' graders (openai/gym-http-api routes; `osim.http.client.Client`).

Call pattern: `POST /v1/envs/` with your token and an env id → `instance_id`;
`monitor/start` (optional); `reset` → first observation; `step` until `done`;
`reset` again for the next episode, until its observation is `null`; then
`monitor/close` (submit: returns the score as `reward`) and `close`.

Errors answer a 4xx/5xx status with `{"message": "..."}` and change nothing,
except a dead or stuck worker (500/504), which closes the evaluation.
"""


def create_app(config: EvalConfig | str | Path) -> FastAPI:
    """The FastAPI application for a configuration (object or TOML path)."""
    if not isinstance(config, EvalConfig):
        config = load_config(config)
    evaluator = Evaluator(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        evaluator.start()
        try:
            yield
        finally:
            evaluator.shutdown()

    from importlib import metadata

    try:
        version = metadata.version("osim-rl")
    except metadata.PackageNotFoundError:
        version = "unknown"
    app = FastAPI(title="osim-rl evaluation server", version=version, description=_DESCRIPTION,
                  lifespan=lifespan)
    app.state.evaluator = evaluator
    app.add_middleware(ProtocolMiddleware, max_bytes=config.server.max_body_bytes)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse({"message": exc.message}, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"message": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        status, message = _validation_message(exc)
        return JSONResponse({"message": message}, status_code=status)

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception):
        _log.exception("internal error on %s", request.url.path)
        return JSONResponse({"message": f"internal server error: {type(exc).__name__}: {exc}"}, status_code=500)

    @app.post("/v1/envs/", response_model=CreateResponse, responses={401: {"model": MessageResponse},
              429: {"model": MessageResponse}, **_ERRORS}, summary="Create an evaluation instance")
    def env_create(body: CreateRequest):
        inst = evaluator.create(body.env_id, body.token, body.version)
        return JSONResponse({"instance_id": inst.id, "env_id": inst.env.env_id, "episodes": inst.n_episodes,
                             "max_steps": inst.max_steps, "action_size": inst.action_size,
                             "observation_form": inst.env.observation})

    @app.post("/v1/envs/{instance_id}/monitor/start/", responses=_ERRORS, summary="Accepted for compatibility")
    def env_monitor_start(instance_id: str, body: MonitorStartRequest | None = None):
        evaluator.get(instance_id)
        return JSONResponse({})

    @app.post("/v1/envs/{instance_id}/reset/", response_model=ResetResponse, responses=_ERRORS,
              summary="Start the next episode (observation null when all are done)")
    def env_reset(instance_id: str):
        return JSONResponse(evaluator.reset(instance_id))

    @app.post("/v1/envs/{instance_id}/step/", response_model=StepResponse, responses=_ERRORS,
              summary="Step the running episode")
    def env_step(instance_id: str, body: StepRequest):
        return JSONResponse(evaluator.step(instance_id, body.action))

    @app.post("/v1/envs/{instance_id}/monitor/close/", response_model=SubmitResponse,
              responses={429: {"model": MessageResponse}, **_ERRORS}, summary="Submit the finished evaluation")
    def env_monitor_close(instance_id: str):
        return JSONResponse(evaluator.submit(instance_id))

    @app.post("/v1/envs/{instance_id}/close/", responses=_ERRORS, summary="Release the instance")
    def env_close(instance_id: str):
        return JSONResponse(evaluator.close(instance_id))

    @app.get("/v1/leaderboard", summary="Env ids with a leaderboard")
    def leaderboards():
        return {"env_ids": evaluator.leaderboard_ids()}

    @app.get("/v1/leaderboard/{env_id}", response_model=LeaderboardResponse,
             responses={404: {"model": MessageResponse}}, summary="Best submission per participant")
    def leaderboard(env_id: str):
        return JSONResponse(evaluator.leaderboard(env_id))

    @app.get("/leaderboard", response_class=HTMLResponse, summary="The leaderboards as an HTML page")
    def leaderboard_page():
        return HTMLResponse(_leaderboard_html(evaluator))

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/leaderboard")

    return app


def _leaderboard_html(evaluator: Evaluator) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
             "<title>osim-rl leaderboard</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
             "td,th{border:1px solid #ccc;padding:.3em .8em;text-align:left}td.num{text-align:right}</style>",
             "</head><body><h1>osim-rl leaderboard</h1>"]
    for env_id in evaluator.leaderboard_ids():
        board = evaluator.leaderboard(env_id)
        episodes = board["episodes"]
        parts.append(f"<h2>{e(env_id)}</h2>")
        if episodes is not None:
            parts.append(f"<p>{episodes} episode(s); score = mean over episodes of the episode's total reward.</p>")
        if not board["entries"]:
            parts.append("<p>No submissions yet.</p>")
            continue
        parts.append("<table><tr><th>rank</th><th>participant</th><th>score</th><th>submitted (UTC)</th>"
                     "<th>submissions</th></tr>")
        for row in board["entries"]:
            parts.append(f"<tr><td class='num'>{row['rank']}</td><td>{e(row['name'])}</td>"
                         f"<td class='num'>{row['score']:.6f}</td><td>{e(row['submitted_at'])}</td>"
                         f"<td class='num'>{row['submissions']}</td></tr>")
        parts.append("</table>")
    parts.append("<p><a href='/docs'>API documentation</a></p></body></html>")
    return "\n".join(parts)


# ------------------------------------------------------------- running it
def serve(config_path: str | Path, host: str = "127.0.0.1", port: int = 5000, log_level: str = "info") -> None:
    """Run the evaluation server (blocks until interrupted); ``osim-rl serve --config eval.toml``."""
    import uvicorn

    app = create_app(config_path)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


class ServerThread:
    """The server in a background thread of this process (tests, the load test).

    ``port=0`` picks a free port; ``url`` tells which. ``stop()`` shuts the
    server down cleanly (workers closed, database closed).
    """

    def __init__(self, config: EvalConfig | str | Path, host: str = "127.0.0.1", port: int = 0,
                 log_level: str = "warning") -> None:
        import uvicorn

        self.app = create_app(config)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host=host, port=port, log_level=log_level,
                                                    lifespan="on", access_log=False))
        self.thread = threading.Thread(target=self.server.run, name="osim-http-server", daemon=True)
        self.host = host
        self.port = port

    @property
    def evaluator(self) -> Evaluator:
        return self.app.state.evaluator

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the evaluation server did not start on {self.host}:{self.port}")
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout)

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
