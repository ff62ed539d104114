"""The pure parts of the harvest: cursor state, plans, tokens, progress, request counts,
the database thread."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest

from communs.forges.stats import RequestCounts
from communs.harvest.plan import WHOLE_INSTANCE, AccountEntry, AccountScope, owners_to_list
from communs.harvest.progress import Progress, SummaryRow, summary_table
from communs.harvest.state import HarvestState, OwnerState, Step
from communs.harvest.stats import CURRENT_FORGE, ForgeStats
from communs.harvest.tokens import ForgeAddress, TokenError, client_tokens, parse_forge_tokens
from communs.harvest.writer import DatabaseThread


def test_an_owner_moves_from_start_to_done_through_its_pages() -> None:
    state = OwnerState()
    assert state.step == Step.START
    state = state.after_page("https://x/page=2")
    assert (state.step, state.cursor) == (Step.LISTING, "https://x/page=2")
    state = state.after_page(None)
    assert (state.step, state.cursor) == (Step.CHECKING, "")
    assert state.after_check() == OwnerState(Step.DONE)
    failed = state.after_failure("403 forbidden")
    assert (failed.step, failed.reason) == (Step.FAILED, "403 forbidden")
    # Resumed, a failed owner starts over; one in progress goes on where it was.
    assert failed.for_resumption() == OwnerState()
    listing = OwnerState().after_page("https://x/page=3")
    assert listing.for_resumption() == listing


def test_a_snapshot_answers_by_owner_whatever_its_case() -> None:
    state = HarvestState(
        owners={"etalab": OwnerState(Step.LISTING, "https://x/2"), "a": OwnerState(Step.DONE)},
        entries={"jdoe": "https://x/users/jdoe/repos"},
    )
    assert state.step("Etalab") == Step.LISTING and state.cursor("ETALAB") == "https://x/2"
    assert state.step("unknown") == Step.START and state.cursor("unknown") is None
    assert state.entry("JDoe") == "https://x/users/jdoe/repos" and state.entry("a") is None
    assert state.done == ["a"]


def test_gitlab_subgroups_are_not_listed_twice_and_ignored_accounts_not_at_all() -> None:
    accounts = [
        AccountEntry("group", False),
        AccountEntry("group/sub", False),
        AccountEntry("other/sub", False),
        AccountEntry("left", True),
    ]
    assert owners_to_list(accounts, adapter_kind="gitlab", whole=False) == ["group", "other/sub"]
    assert owners_to_list(accounts, adapter_kind="github", whole=False) == [
        "group",
        "group/sub",
        "other/sub",
    ]
    assert owners_to_list(accounts, adapter_kind="gitea", whole=True) == [WHOLE_INSTANCE]
    assert owners_to_list(accounts, adapter_kind="gitea", whole=True, only=["LEFT", "Group"]) == [
        "group"
    ]


def test_paths_under_an_ignored_account_are_out_of_scope() -> None:
    scope = AccountScope([AccountEntry("group", False), AccountEntry("group/secret", True)])
    assert not scope.excludes("group/tool")
    assert scope.excludes("Group/Secret/tool") and scope.excludes("group/secret/deep/tool")
    assert not scope.excludes("elsewhere/tool")


def test_tokens_go_to_the_api_host_of_the_forge_they_name() -> None:
    forges = [
        ForgeAddress(
            "gitlab.example.org", "https://gitlab.example.org", "https://gitlab.example.org/api/v4"
        ),
        ForgeAddress(
            "127.0.0.1:8000/gitea",
            "http://127.0.0.1:8000/gitea",
            "http://127.0.0.1:8000/gitea/api/v1",
        ),
        ForgeAddress(
            "ghe.example.org", "https://ghe.example.org", "https://ghe.example.org/api/v3"
        ),
    ]
    tokens = client_tokens(
        forges,
        "gh1, gh2",
        "gitlab.example.org=a,https://gitlab.example.org=b,127.0.0.1:8000/gitea=c,git.sr.ht=d",
    )
    assert tokens == {
        "api.github.com": ["gh1", "gh2"],
        "gitlab.example.org": ["a", "b"],
        "127.0.0.1:8000": ["c"],
        "git.sr.ht": ["d"],
    }
    # github.com tokens never go to GitHub Enterprise.
    assert "ghe.example.org" not in tokens
    assert client_tokens(forges, "", "") == {}


@pytest.mark.parametrize("value", ["secret", "=secret", "host=", "a=b,justatoken"])
def test_a_malformed_token_entry_is_refused_without_showing_it(value: str) -> None:
    with pytest.raises(TokenError) as raised:
        parse_forge_tokens(value)
    assert "secret" not in str(raised.value) and "justatoken" not in str(raised.value)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_progress_rewrites_one_line() -> None:
    stream, clock = io.StringIO(), Clock()
    counts = {"a": RequestCounts(requests=10, not_modified=7, errors=1)}
    progress = Progress(
        stream, tty=True, clock=clock, requests=lambda h: counts.get(h, RequestCounts())
    )
    forge = progress.forge("a")
    forge.owners, forge.owners_done, forge.repositories = 4, 1, 1234
    progress.tick()
    progress.tick()  # too soon: nothing drawn
    clock.now = 1
    forge.owners_done = 2
    progress.tick()
    progress.close()
    text = stream.getvalue()
    assert text.count("\r") == 3 and "\n" not in text
    assert "owners 2/4 · repositories 1,234 · requests 10 · 304 7 · errors 1" in text
    assert text.endswith("\r\x1b[K")


def test_elsewhere_progress_writes_a_plain_line_now_and_then() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, tty=False, every=10, clock=clock)
    progress.forge("a").owners = 3
    progress.tick()
    clock.now = 5
    progress.tick()
    assert stream.getvalue() == ""  # a line of zeros at the start says nothing
    clock.now = 10
    progress.tick()
    clock.now = 15
    progress.tick()
    clock.now = 21
    progress.tick()
    progress.close()
    assert stream.getvalue().count("\n") == 2 and "\r" not in stream.getvalue()


def test_the_summary_aligns_names_left_and_figures_right() -> None:
    rows = [
        SummaryRow("github.com", "succeeded", "10/10", {"new": 1234, "requests": 5}, 1.25),
        SummaryRow("gitlab.example.org", "failed", "2/3", {"gone": 1}, 12.0),
    ]
    headers = {name: name for name in ("forge", "status", "owners", "time")} | {
        name: name
        for name in (
            "new",
            "updated",
            "unchanged",
            "gone",
            "requests",
            "not_modified",
            "retries",
            "errors",
        )
    }
    lines = summary_table(rows, headers).splitlines()
    assert lines[0].startswith("forge               status     owners    new")
    assert lines[2].startswith("github.com          succeeded   10/10  1,234")
    assert lines[3].endswith("12.0 s")
    assert len({len(line) for line in lines[1:]}) == 1


def test_requests_are_counted_for_the_forge_whose_task_sent_them() -> None:
    stats = ForgeStats()

    async def send(forge: str, times: int) -> None:
        CURRENT_FORGE.set(forge)
        for _ in range(times):
            stats.of("shared.host", "list").requests += 1
            await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(send("a", 3), send("b", 2))

    asyncio.run(main())
    assert (stats.for_forge("a").requests, stats.for_forge("b").requests) == (3, 2)
    assert stats.for_host("shared.host").requests == stats.total().requests == 5
    assert stats.for_forge("c").requests == 0


def test_database_calls_run_in_the_calling_thread_in_order() -> None:
    thread = DatabaseThread()
    seen: list[tuple[str, int]] = []

    def work(value: int) -> int:
        seen.append((threading.current_thread().name, value))
        if value == 3:
            raise ValueError("three")
        return value * 2

    async def main() -> list[object]:
        results = await asyncio.gather(
            *(thread.call(work, n) for n in range(5)), return_exceptions=True
        )
        return [r if not isinstance(r, Exception) else str(r) for r in results]

    assert thread.run(main) == [0, 2, 4, "three", 8]
    assert {name for name, _ in seen} == {threading.current_thread().name}
    assert [value for _, value in seen] == [0, 1, 2, 3, 4]


def test_an_error_of_the_loop_reaches_the_caller() -> None:
    async def main() -> None:
        raise LookupError("lost")

    with pytest.raises(LookupError, match="lost"):
        DatabaseThread().run(main)
