"""MkDocs hook: the reference parts of the site, generated from the code at build time.

Pages ask for generated content with HTML comments, which this hook
replaces before MkDocs renders the Markdown:

``<!-- osim:env CLASS -->``
    the reference of one env class: its registered Gymnasium IDs with their
    model, time limit and default keywords (:data:`osim.registry.ENVS`), the
    Gymnasium spaces of each ID (shape, dtype, bounds), and the sections of
    the class docstring (description, action, observation, reward, episode,
    arguments) with its tables turned into Markdown tables, then a table of
    every action index (name, bounds) and of every observation index (the
    docstring row that documents it, the space's bounds).
``<!-- osim:env-table -->``
    one row per registered ID: class, model, observation and action shapes,
    time limit, summary.

Nothing here is written by hand, so it cannot drift from the code: the
hook fails the build when a docstring's observation table does not cover
exactly the indices of the env's observation space. The same functions
serve the tests (``tests/test_docs.py`` imports this file).
"""
from __future__ import annotations

import functools
import html
import inspect
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any

_ENV_MARK = re.compile(r"<!--\s*osim:env\s+(\w+)\s*-->")
_TABLE_MARK = re.compile(r"<!--\s*osim:env-table\s*-->")
_SECTION = re.compile(r"^\*\*([A-Z][^*]*?)\.\*\*\s*", re.M)
_RULE = re.compile(r"^\s*=+(\s+=+)*\s*$")
_ROLE = re.compile(r":(?:class|meth|func|data|attr|mod|obj|exc):`~?([^`]+)`")
_INDEX = re.compile(r"^(\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*)\s*(\.\.\.)?\s*(?:\(.*\))?$")

log = logging.getLogger("mkdocs.plugins.osim_docs")

#: the env classes with a page, in the site's order
ENV_CLASSES = ("WalkEnv", "RunEnv", "L2RunEnv", "ProstheticsEnv", "L2M2019Env", "Arm2DEnv", "ImitateEnv")


class DocsDriftError(RuntimeError):
    """A docstring table and the code disagree (the build fails)."""


# ------------------------------------------------------------------ docstrings
def rst_inline(text: str, depth: int = 1) -> str:
    """The docstrings' reStructuredText inline markup as Markdown (roles, literals, links to docs/)."""
    up = "../" * depth
    text = _ROLE.sub(lambda m: "``" + m.group(1).rsplit(".", 1)[-1] + "``"
                     if m.group(0).startswith(":meth:") or "~" in m.group(0) else "``" + m.group(1) + "``", text)
    text = re.sub(r"``(.+?)``", lambda m: "`" + m.group(1) + "`", text, flags=re.S)
    # brackets in prose (``v_tgt_field[c][i][j]``, ``[0, 1]``) are not Markdown links
    text = "`".join(seg if k % 2 else seg.replace("[", "\\[").replace("]", "\\]")
                    for k, seg in enumerate(text.split("`")))
    text = re.sub(r"docs/quirks\.md, (Q\d+)", lambda m: f"[quirk {m.group(1)}]({up}quirks.md#{m.group(1).lower()})", text)
    text = re.sub(r"docs/(mujoco|models|classic|quirks|architecture)\.md",
                  lambda m: f"[{m.group(1)}]({up}{m.group(1)}.md)", text)
    return text


@dataclass
class Table:
    header: list[str] | None
    rows: list[list[str]]

    def markdown(self, depth: int = 1) -> str:
        width = len(self.header or self.rows[0])
        head = self.header or [""] * width
        lines = ["| " + " | ".join(_cell(rst_inline(c, depth)) for c in head) + " |",
                 "|" + "---|" * width]
        lines += ["| " + " | ".join(_cell(rst_inline(c, depth)) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").strip() or " "


def parse_simple_table(lines: list[str]) -> Table:
    """A reStructuredText simple table (rule lines of ``=``) as header and rows.

    A line whose first column is empty, or starts with ``(``, continues the
    row above it; text running past a column boundary stays in its column.
    """
    rules = [i for i, line in enumerate(lines) if _RULE.match(line)]
    starts = [m.start() for m in re.finditer(r"=+", lines[rules[0]])]
    if len(rules) >= 3:
        header_lines, body = lines[rules[0] + 1:rules[1]], lines[rules[1] + 1:rules[-1]]
    else:
        header_lines, body = [], lines[rules[0] + 1:rules[-1]]

    def cells(line: str) -> list[str]:
        out = [""] * len(starts)
        for m in re.finditer(r"\S+(?: \S+)*", line):
            col = max(i for i, s in enumerate(starts) if s <= m.start()) if m.start() >= starts[0] else 0
            out[col] = (out[col] + " " + m.group(0)).strip()
        return out

    def rows_of(block: list[str]) -> list[list[str]]:
        rows: list[list[str]] = []
        for line in block:
            if not line.strip():
                continue
            c = cells(line)
            if rows and (not c[0] or c[0].startswith("(")):
                rows[-1] = [(a + " " + b).strip() for a, b in zip(rows[-1], c)]
            else:
                rows.append(c)
        return rows

    header = rows_of(header_lines)
    return Table(header[0] if header else None, rows_of(body))


def split_blocks(text: str) -> list[str | Table]:
    """Paragraph text and simple tables, in order."""
    lines = text.splitlines()
    out: list[str | Table] = []
    para: list[str] = []
    i = 0
    while i < len(lines):
        if _RULE.match(lines[i]):
            if para:
                out.append("\n".join(para))
                para = []
            # a table ends at the first later rule followed by a blank line (or the end)
            j = i + 1
            while j < len(lines) and not (_RULE.match(lines[j]) and (j + 1 == len(lines) or not lines[j + 1].strip())):
                j += 1
            out.append(parse_simple_table(lines[i:j + 1]))
            i = j + 1
            continue
        para.append(lines[i])
        i += 1
    if para:
        out.append("\n".join(para))
    return out


def docstring_sections(cls: type) -> tuple[str, list[tuple[str, str]]]:
    """(summary line, [(section title, section text), ...]) of a class docstring's ``**Title.**`` sections."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    summary, _, rest = doc.partition("\n")
    parts = _SECTION.split(rest)
    sections = []
    if parts[0].strip():
        sections.append(("", parts[0].strip()))
    for title, body in zip(parts[1::2], parts[2::2]):
        sections.append((title, body.strip()))
    return summary.strip(), sections


def index_ranges(cell: str) -> tuple[list[int], bool] | None:
    """The indices an observation table's index cell names (``"6-17"``, ``"19, 20"``); open ``"95 ..."``.

    None when the cell names no concrete indices (``"41+k"``).
    """
    m = _INDEX.match(cell.strip())
    if not m:
        return None
    out: list[int] = []
    for part in m.group(1).split(","):
        lo, _, hi = part.strip().partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out, bool(m.group(2))


def observation_rows(cls: type) -> list[tuple[list[int], str]]:
    """(indices, meaning) of each row of the docstring's observation table(s) that names indices."""
    for title, body in docstring_sections(cls)[1]:
        if title == "Observation space":
            break
    else:
        return []
    rows: list[tuple[list[int], str, bool]] = []
    for block in split_blocks(body):
        if isinstance(block, Table):
            for row in block.rows:
                got = index_ranges(row[0])
                if got is not None:
                    rows.append((got[0], row[1], got[1]))
    # an open row ("95 ...") runs up to the next row's first index
    out = []
    for k, (idx, meaning, open_) in enumerate(rows):
        if open_ and k + 1 < len(rows):
            idx = list(range(idx[0], rows[k + 1][0][0]))
        out.append((idx, meaning))
    return out


# ------------------------------------------------------------------ the code's facts
@dataclass
class EnvFacts:
    """What the site shows of one env class, read from the code."""

    name: str
    cls: type
    ids: list[tuple[str, Any]]                    # (Gymnasium ID, registry entry)
    spaces: dict[str, tuple[Any, Any]] = field(default_factory=dict)   # ID -> (observation, action) space
    action_names: tuple[str, ...] = ()
    observation_meaning: list[str] = field(default_factory=list)       # per index, first ID
    observation_row: list[str] = field(default_factory=list)           # per index: its docstring row, k/n
    missing: dict[str, str] = field(default_factory=dict)              # ID -> why it could not be built here


@functools.lru_cache(maxsize=None)
def env_facts(name: str) -> EnvFacts:
    """The registered IDs, spaces and index tables of env class ``name`` (builds each ID's env once)."""
    import gymnasium as gym

    import osim  # noqa: F401  (registers the IDs)
    from osim.registry import ENVS

    ids = [(env_id, e) for env_id, e in ENVS.items() if e.class_name == name]
    if not ids:
        raise DocsDriftError(f"{name} is not registered in osim.registry.ENVS")
    facts = EnvFacts(name, ids[0][1].load(), ids)
    from osim.data.recordings import RecordingNotFound

    for env_id, _entry in ids:
        try:
            env = gym.make(env_id)
        except RecordingNotFound as err:  # the imitation IDs' public recordings are not shipped
            facts.missing[env_id] = " ".join(str(err).split())
            log.info("osim docs: %s not built: %s", env_id, facts.missing[env_id])
            continue
        try:
            facts.spaces[env_id] = (env.observation_space, env.action_space)
            if env_id == ids[0][0]:
                inner = env.unwrapped.env
                facts.action_names = tuple(inner.action_names)
                n = env.observation_space.shape[0]
                rows = observation_rows(facts.cls)
                if rows:
                    meaning, where = [""] * n, [""] * n
                    covered = [i for idx, _ in rows for i in idx]
                    if sorted(covered) != list(range(n)):
                        raise DocsDriftError(
                            f"{name}: the docstring's observation table covers indices {_ranges(covered)}, "
                            f"the observation space of {env_id} has {n} values")
                    for idx, text in rows:
                        for k, i in enumerate(idx):
                            meaning[i] = text
                            where[i] = f"{_ranges(idx)} ({k + 1}/{len(idx)})" if len(idx) > 1 else str(i)
                else:
                    meaning = [f"`{m}`" for m in inner.observation_names]
                    where = ["(observation_names)"] * n
                    if len(meaning) != n:
                        raise DocsDriftError(f"{name}: {len(meaning)} observation names, {n} values")
                facts.observation_meaning, facts.observation_row = meaning, where
        finally:
            env.close()
    return facts


def _ranges(idx: list[int]) -> str:
    idx = sorted(set(idx))
    out, start = [], None
    for k, i in enumerate(idx):
        if start is None:
            start = i
        if k + 1 == len(idx) or idx[k + 1] != i + 1:
            out.append(f"{start}-{i}" if i != start else f"{i}")
            start = None
    return ", ".join(out)


def _num(x: float) -> str:
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    return f"{x:.6g}"


def bounds(space) -> str:
    """``[low, high]`` of a Box when every element shares them, else ``per index (below)``."""
    low, high = space.low.ravel(), space.high.ravel()
    if low.size and (low == low[0]).all() and (high == high[0]).all():
        return f"[{_num(float(low[0]))}, {_num(float(high[0]))}]"
    return "per index (below)"


def _kwargs(kwargs) -> str:
    return ", ".join(f"`{k}={v!r}`" for k, v in kwargs.items()) or "-"


# ------------------------------------------------------------------ Markdown
def env_reference(name: str, depth: int = 1) -> str:
    """The generated Markdown of an env page."""
    f = env_facts(name)
    summary, sections = docstring_sections(f.cls)
    out = [f"*{rst_inline(summary, depth)}*", "",
           "### Registered IDs", "",
           "| Gymnasium ID | model | time limit (steps) | `make` defaults | obs dict in `info` | summary |",
           "|---|---|---|---|---|---|"]
    for env_id, e in f.ids:
        out.append(f"| `{env_id}` | `{e.model}` | {e.time_limit} | {_kwargs(e.kwargs)} | "
                   f"{'yes' if e.dict_in_info else 'no'} | {_cell(e.summary)} |")
    out += ["", "### Spaces (Gymnasium face)", "",
            "| Gymnasium ID | observation | observation bounds | action | action bounds |", "|---|---|---|---|---|"]
    for env_id, _entry in f.ids:
        if env_id in f.spaces:
            obs, act = f.spaces[env_id]
            out.append(f"| `{env_id}` | {obs.shape} {obs.dtype} | {bounds(obs)} | {act.shape} {act.dtype} | {bounds(act)} |")
        else:
            out.append(f"| `{env_id}` | not built here: {_cell(f.missing[env_id])} | | | |")
    out.append("")
    first_id = f.ids[0][0]
    if first_id not in f.spaces:
        out += [f"!!! note \"Index tables omitted\"", f"    `{first_id}` could not be built where this site was built "
                f"({f.missing[first_id]}), so the tables of every index are missing.", ""]
        obs_space = act_space = None
    else:
        obs_space, act_space = f.spaces[first_id]
    for title, body in sections:
        if title:
            out += [f"### {title}", ""]
        for block in split_blocks(body):
            out += [block.markdown(depth) if isinstance(block, Table) else rst_inline(block, depth), ""]
        if title == "Action space" and act_space is not None:
            out += _details(f"Every action index ({act_space.shape[0]}, `{first_id}`)", "osim-action-index",
                            ["index", "name", "low", "high"],
                            [[str(i), f"`{n}`", _num(float(act_space.low[i])), _num(float(act_space.high[i]))]
                             for i, n in enumerate(f.action_names)])
        if title == "Observation space" and obs_space is not None:
            out += _details(f"Every observation index ({obs_space.shape[0]}, `{first_id}`)", "osim-obs-index",
                            ["index", "docstring row", "meaning", "low", "high"],
                            [[str(i), f.observation_row[i], _cell(rst_inline(m, depth)), _num(float(obs_space.low[i])),
                              _num(float(obs_space.high[i]))] for i, m in enumerate(f.observation_meaning)])
    return "\n".join(out)


def _details(summary: str, css: str, header: list[str], rows: list[list[str]]) -> list[str]:
    lines = [f'<details class="{css}" markdown="1">', "<summary>" + re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(summary, quote=False)) + "</summary>", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines + ["", "</details>", ""]


def env_table(depth: int = 0) -> str:
    """One row per registered ID, with the spaces' shapes, for the overview page."""
    from osim.registry import ENVS

    page = {n: f"envs/{n}.md" for n in ENV_CLASSES}
    up = "../" * depth
    out = ["| Gymnasium ID | class | model | observation | action | steps | summary |", "|---|---|---|---|---|---|---|"]
    for env_id, e in ENVS.items():
        spaces = env_facts(e.class_name).spaces
        obs_n, act_n = (spaces[env_id][0].shape[0], spaces[env_id][1].shape[0]) if env_id in spaces else ("?", "?")
        cls = f"[`{e.class_name}`]({up}{page[e.class_name]})" if e.class_name in page else f"`{e.class_name}`"
        out.append(f"| `{env_id}` | {cls} | `{e.model}` | {obs_n} | {act_n} | {e.time_limit} | "
                   f"{_cell(e.summary)} |")
    return "\n".join(out)


# ------------------------------------------------------------------ MkDocs events
def on_page_markdown(markdown: str, page, config, files) -> str:
    depth = page.file.src_uri.count("/")
    markdown = _ENV_MARK.sub(lambda m: env_reference(m.group(1), depth), markdown)
    return _TABLE_MARK.sub(lambda m: env_table(depth), markdown)


def on_page_content(html_text: str, page, config, files) -> str:
    # Sphinx roles left in the docstrings mkdocstrings renders: `:class:`<code>x</code>` -> <code>x</code>
    return re.sub(r":(?:class|meth|func|data|attr|mod|obj|exc):<code>~?([^<]*)</code>", r"<code>\1</code>", html_text)
