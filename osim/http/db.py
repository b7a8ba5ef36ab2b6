"""SQLite storage of the evaluation server: tokens, evaluations, episodes.

One file (WAL journal), one connection shared by the server's threads under
a lock. Every evaluation gets a row when its instance is created
(``status = 'running'``); each finished episode adds a row to ``episodes``;
``submit`` turns a running evaluation into ``'submitted'`` with its score
exactly once. Other endings: ``'closed'`` (the client closed it before
submitting), ``'failed'`` (the worker died or timed out), ``'timed_out'``
(idle), ``'interrupted'`` (the server stopped while it ran).
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterable

__all__ = ["Database"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    max_instances INTEGER,
    submissions_per_period INTEGER,
    source TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL,
    env_id TEXT NOT NULL,
    n_episodes INTEGER NOT NULL,
    client_version TEXT,
    status TEXT NOT NULL,
    detail TEXT,
    created_at REAL NOT NULL,
    ended_at REAL,
    submitted_at REAL,
    score REAL
);
CREATE INDEX IF NOT EXISTS evaluations_env ON evaluations (env_id, status);
CREATE INDEX IF NOT EXISTS evaluations_token ON evaluations (token, status, submitted_at);
CREATE TABLE IF NOT EXISTS episodes (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
    idx INTEGER NOT NULL,
    reward REAL NOT NULL,
    steps INTEGER NOT NULL,
    duration REAL NOT NULL,
    ended_at REAL NOT NULL,
    PRIMARY KEY (evaluation_id, idx)
);
"""


class Database:
    """The server's store; safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30.0)
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(_SCHEMA)
            columns = {row["name"] for row in self._conn.execute("PRAGMA table_info(tokens)")}
            if "revoked" not in columns:  # databases of the first development versions
                self._conn.execute("ALTER TABLE tokens ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _execute(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    def _query(self, sql: str, params: tuple = ()) -> list[dict]:
        with self._lock:
            return [dict(row) for row in self._conn.execute(sql, params).fetchall()]

    # ---------------------------------------------------------------- tokens
    def add_token(self, token: str, name: str, max_instances: int | None = None,
                  submissions_per_period: int | None = None, source: str = "database") -> None:
        """Add a token (or update its name and limits)."""
        if not isinstance(token, str) or len(token) < 8:
            raise ValueError("a token must be a string of at least 8 characters")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("a token needs a non-empty participant name")
        self._execute(
            "INSERT INTO tokens (token, name, max_instances, submissions_per_period, source, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (token) DO UPDATE SET name = excluded.name, "
            "max_instances = excluded.max_instances, submissions_per_period = excluded.submissions_per_period, "
            "source = excluded.source, revoked = 0",
            (token, name.strip(), max_instances, submissions_per_period, source, time.time()),
        )

    def sync_tokens(self, tokens: Iterable) -> None:
        """Store the configuration's tokens (``TokenConfig``).

        Tokens that came from an earlier configuration and are no longer in
        it are revoked (kept for the names of their submissions); tokens
        added to the database directly stay valid.
        """
        tokens = list(tokens)
        for t in tokens:
            self.add_token(t.token, t.name, t.max_instances, t.submissions_per_period, source="config")
        keep = {t.token for t in tokens}
        for row in self._query("SELECT token FROM tokens WHERE source = 'config' AND revoked = 0"):
            if row["token"] not in keep:
                self.revoke_token(row["token"])

    def revoke_token(self, token: str) -> bool:
        """The token can no longer create instances (its submissions stay on the leaderboard)."""
        return self._execute("UPDATE tokens SET revoked = 1 WHERE token = ?", (token,)).rowcount == 1

    def get_token(self, token: str) -> dict | None:
        """The token's row, or None if it is unknown or revoked."""
        rows = self._query("SELECT * FROM tokens WHERE token = ? AND revoked = 0", (token,))
        return rows[0] if rows else None

    # ----------------------------------------------------------- evaluations
    def start_evaluation(self, instance_id: str, token: str, env_id: str, n_episodes: int,
                         client_version: str | None) -> int:
        cur = self._execute(
            "INSERT INTO evaluations (instance_id, token, env_id, n_episodes, client_version, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'running', ?)",
            (instance_id, token, env_id, n_episodes, client_version, time.time()),
        )
        return int(cur.lastrowid)

    def record_episode(self, evaluation_id: int, idx: int, reward: float, steps: int, duration: float) -> None:
        self._execute(
            "INSERT OR REPLACE INTO episodes (evaluation_id, idx, reward, steps, duration, ended_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (evaluation_id, idx, float(reward), int(steps), float(duration), time.time()),
        )

    def submit(self, evaluation_id: int, score: float) -> bool:
        """Store the score of a running evaluation; False if it was not running (nothing changes)."""
        now = time.time()
        cur = self._execute(
            "UPDATE evaluations SET status = 'submitted', score = ?, submitted_at = ?, ended_at = ? "
            "WHERE id = ? AND status = 'running'",
            (float(score), now, now, evaluation_id),
        )
        return cur.rowcount == 1

    def end_evaluation(self, evaluation_id: int, status: str, detail: str | None = None) -> bool:
        """Mark a running evaluation as ended without a score (closed, failed, timed_out)."""
        cur = self._execute(
            "UPDATE evaluations SET status = ?, detail = ?, ended_at = ? WHERE id = ? AND status = 'running'",
            (status, detail, time.time(), evaluation_id),
        )
        return cur.rowcount == 1

    def interrupt_running(self) -> int:
        """At start-up: evaluations left running by a previous server process can never finish."""
        cur = self._execute(
            "UPDATE evaluations SET status = 'interrupted', detail = 'the server stopped', ended_at = ? "
            "WHERE status = 'running'",
            (time.time(),),
        )
        return cur.rowcount

    def count_submissions(self, token: str, since: float) -> int:
        rows = self._query(
            "SELECT COUNT(*) AS n FROM evaluations WHERE token = ? AND status = 'submitted' AND submitted_at >= ?",
            (token, since),
        )
        return int(rows[0]["n"])

    def evaluation(self, evaluation_id: int) -> dict | None:
        rows = self._query("SELECT * FROM evaluations WHERE id = ?", (evaluation_id,))
        if not rows:
            return None
        ev = rows[0]
        ev["episodes"] = self._query(
            "SELECT idx, reward, steps, duration, ended_at FROM episodes WHERE evaluation_id = ? ORDER BY idx",
            (evaluation_id,),
        )
        return ev

    def submissions(self, env_id: str | None = None) -> list[dict]:
        """Every submitted evaluation (oldest first), with participant names, without tokens."""
        sql = ("SELECT e.id, e.env_id, e.score, e.submitted_at, e.n_episodes, e.client_version, "
               "COALESCE(t.name, '?') AS name FROM evaluations e LEFT JOIN tokens t ON t.token = e.token "
               "WHERE e.status = 'submitted'")
        params: tuple = ()
        if env_id is not None:
            sql += " AND e.env_id = ?"
            params = (env_id,)
        return self._query(sql + " ORDER BY e.submitted_at, e.id", params)

    def leaderboard(self, env_id: str) -> list[dict]:
        """Each participant's best submission for ``env_id``, best first (ties: the earlier wins)."""
        rows = self._query(
            "SELECT e.id, e.token, e.score, e.submitted_at, COALESCE(t.name, '?') AS name "
            "FROM evaluations e LEFT JOIN tokens t ON t.token = e.token "
            "WHERE e.env_id = ? AND e.status = 'submitted' ORDER BY e.score DESC, e.submitted_at ASC, e.id ASC",
            (env_id,),
        )
        best: dict[str, dict] = {}
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["token"]] = counts.get(row["token"], 0) + 1
            best.setdefault(row["token"], row)
        entries = []
        for rank, row in enumerate(best.values(), start=1):
            episodes = self._query("SELECT reward FROM episodes WHERE evaluation_id = ? ORDER BY idx", (row["id"],))
            entries.append({
                "rank": rank,
                "name": row["name"],
                "score": row["score"],
                "submitted_at": row["submitted_at"],
                "evaluation_id": row["id"],
                "submissions": counts[row["token"]],
                "episode_rewards": [e["reward"] for e in episodes],
            })
        return entries

    def env_ids(self) -> list[str]:
        """Env ids with at least one submission."""
        return [r["env_id"] for r in self._query(
            "SELECT DISTINCT env_id FROM evaluations WHERE status = 'submitted' ORDER BY env_id")]
