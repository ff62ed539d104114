"""Activity from the history of a git checkout: commits, authors, tags, age.

Four read-only ``git`` commands, each with a time limit and a bound on what it reads:

- ``git log --since`` over the last 365 days (date, author email, parents): the counts
  for 60 and 365 days, and each day of the 60-day vitality window;
- ``git log --until`` before the window, author emails only: who had committed before
  (Developers Italia's user community counts every author before each day);
- ``git log --max-parents=0``: the first commit's date, hence the age;
- ``git for-each-ref refs/tags``: each tag dated by its commit's author date, as
  Developers Italia does.

The checkout is someone else's: git runs with no system or global configuration, the
repository's own settings that could run a program (``log.showSignature``'s gpg,
``core.fsmonitor``) overridden, no pager, no prompt, and ``safe.directory`` for this one
folder only. Only a real ``.git`` folder inside the tree counts: a ``.git`` file or
link, which could point anywhere, is refused.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from communs.analysis.limits import Limits
from communs.analysis.model import Activity, Day

WINDOW_DAYS = 60
YEAR_DAYS = 365


class ActivityError(RuntimeError):
    """git could not read the history (not a repository, timed out, no commit)."""


def is_checkout(root: Path) -> bool:
    git = root / ".git"
    return git.is_dir() and not git.is_symlink()


def _git(root: Path, limits: Limits, *args: str) -> str:
    git_dir = str(root / ".git")
    command = [
        "git",
        "--no-pager",
        f"--git-dir={git_dir}",
        "-c", f"safe.directory={git_dir}",
        "-c", f"safe.directory={root}",
        "-c", "log.showSignature=false",
        "-c", "core.fsmonitor=false",
        "-c", "log.mailmap=false",
        *args,
    ]  # fmt: skip
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "LC_ALL": "C",
        "HOME": os.devnull,
    }
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            env=env,
            timeout=limits.git_timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise ActivityError(f"git {args[0]} took more than {limits.git_timeout:g} s") from None
    except OSError as error:
        raise ActivityError(f"git could not run: {error.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ActivityError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout.decode("utf-8", "replace")


def _when(seconds: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(seconds), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def read_activity(root: Path, *, now: datetime, limits: Limits) -> Activity:
    """The activity of the checkout at ``root`` as of ``now`` (timezone-aware).

    Raises :class:`ActivityError` when git fails or the history is empty.
    """
    window_start = now - timedelta(days=WINDOW_DAYS)
    year_start = now - timedelta(days=YEAR_DAYS)
    max_count = f"--max-count={limits.max_commits}"
    recent = _git(
        root, limits, "log", "HEAD", max_count, f"--since=@{int(year_start.timestamp())}",
        "--format=%at%x00%aE%x00%P",
    )  # fmt: skip
    # (when, email, is a merge) for each commit of the last year, newest first.
    commits: list[tuple[datetime, str, bool]] = []
    for line in recent.splitlines():
        fields = line.split("\0")
        when = _when(fields[0]) if len(fields) == 3 else None
        if when is not None:
            commits.append((when, fields[1].lower(), len(fields[2].split()) > 1))
    # A shallow clone's history starts at its boundary: its counts and age fall short.
    truncated = len(commits) >= limits.max_commits or (root / ".git" / "shallow").exists()
    earlier = _git(
        root, limits, "log", "HEAD", max_count, f"--until=@{int(window_start.timestamp())}",
        "--format=%aE",
    )  # fmt: skip
    authors_before_window = {email.lower() for email in earlier.split()} - {""}
    roots = _git(root, limits, "log", "HEAD", "--max-parents=0", "--format=%at")
    first_dates = [when for when in map(_when, roots.split()) if when is not None]
    if not first_dates and not commits and not authors_before_window:
        raise ActivityError("the history has no commit")
    tag_lines = _git(
        root, limits, "for-each-ref", "refs/tags", "--format=%(*authordate:unix) %(authordate:unix)"
    )
    tags: list[datetime] = []
    for line in tag_lines.splitlines():
        # Annotated tags fill the first field (the tagged commit); light ones the second.
        stamp = (line.split() or [""])[0]
        when = _when(stamp)
        if when is not None:
            tags.append(when)

    in_window = [commit for commit in commits if commit[0] >= window_start]
    days = _days(now, commits, tags, authors_before_window, window_start)
    return Activity(
        now=now,
        first_commit_at=min(first_dates) if first_dates else None,
        last_commit_at=max((when for when, _, _ in commits), default=None),
        commits_60d=len(in_window),
        merges_60d=sum(1 for _, _, merge in in_window if merge),
        authors_60d=len({email for _, email, _ in in_window}),
        tags_60d=sum(1 for when in tags if window_start <= when <= now),
        commits_365d=len(commits),
        authors_365d=len({email for _, email, _ in commits}),
        tags_365d=sum(1 for when in tags if year_start <= when <= now),
        days=days,
        truncated=truncated,
    )


def _days(
    now: datetime,
    commits: list[tuple[datetime, str, bool]],
    tags: list[datetime],
    authors_before_window: set[str],
    window_start: datetime,
) -> tuple[Day, ...]:
    per_day: Counter[date] = Counter(when.date() for when, _, _ in commits)
    merges_per_day: Counter[date] = Counter(when.date() for when, _, merge in commits if merge)
    tags_per_day: Counter[date] = Counter(when.date() for when in tags)
    # Oldest first, so each day's authors are those of the commits before its cutoff.
    in_window = sorted((when, email) for when, email, _ in commits if when >= window_start)
    days = []
    for offset in range(WINDOW_DAYS):
        cutoff = now - timedelta(days=offset)
        day = cutoff.date()
        authors = authors_before_window | {email for when, email in in_window if when < cutoff}
        days.append(
            Day(
                offset=offset,
                commits=per_day[day],
                merges=merges_per_day[day],
                tags=tags_per_day[day],
                authors_before=len(authors),
            )
        )
    return tuple(days)
