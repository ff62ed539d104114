"""Control endpoints, the sources file, and the ``communs emulator serve`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.utils import translation

from communs.emulator import EmulatorServer, World


def test_it_counts_requests_per_endpoint_and_resets(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    record = world.forges["github"].record(0)
    url = f"{server.url}/github/repos/{record.full_path}"
    etag = http.get(url).headers["etag"]
    http.get(url, headers={"If-None-Match": etag})
    http.get(f"{server.url}/gitea/api/v1/repos/search")
    http.get(f"{server.url}/nowhere")
    stats = http.get(f"{server.url}/_emulator/stats").json()
    assert stats["requests"] == 4
    assert stats["endpoints"] == {"github.repo": 2, "gitea.search": 1, "unknown": 1}
    assert stats["not_modified"] == 1 and stats["statuses"]["404"] == 1
    http.post(f"{server.url}/_emulator/touch?fraction=0.5&seed=1")
    assert http.get(f"{server.url}/_emulator/stats").json()["touched"] == 120
    assert http.post(f"{server.url}/_emulator/reset").json() == {"reset": True}
    after = http.get(f"{server.url}/_emulator/stats").json()
    assert after["requests"] == 0 and after["touched"] == 0
    # Reset gives back the generated dates, so the first ETag matches again.
    assert http.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert http.get(f"{server.url}/_emulator/touch?fraction=2").status_code == 400


def test_it_describes_its_forges(server: EmulatorServer, http: httpx.Client) -> None:
    index = http.get(f"{server.url}/_emulator/").json()
    assert index["repositories"] == 240
    by_name = {forge["name"]: forge for forge in index["forges"]}
    assert by_name["gitlab"]["api_url"] == f"{server.url}/gitlab/api/v4"
    assert by_name["github"]["url"] == f"{server.url}/github-web"
    assert sum(forge["repositories"] for forge in index["forges"]) == 240


def test_it_serves_a_sources_file_naming_its_forges(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    text = http.get(f"{server.url}/_emulator/sources.yml").text
    host = server.url.removeprefix("http://")
    assert f'"{host}/gitlab":' in text
    assert f"  api_url: {server.url}/gitlab/api/v4" in text
    assert f"  url: {server.url}/github-web" in text
    for forge in world.forges.values():
        listed = [o for o in forge.owners.values() if o.organisation]
        if forge.whole:
            assert not listed and f"  pso_id: {forge.pso_id}" in text
        else:
            assert all(f"    {o.path}:" in text for o in listed)


@pytest.mark.django_db
def test_it_writes_a_sources_file_that_imports(
    server: EmulatorServer, world: World, tmp_path: Path
) -> None:
    from communs.sources.models import Account, Forge

    path = server.write_sources(tmp_path / "sources")
    out = StringIO()
    with translation.override("en"):
        call_command("sources", "import", str(path), stdout=out, stderr=StringIO())
    forges = {forge.host: forge for forge in Forge.objects.all()}
    host = server.url.removeprefix("http://")
    assert set(forges) == {f"{host}/{name}" for name in world.forges}
    for name, forge in world.forges.items():
        stored = forges[f"{host}/{name}"]
        assert stored.kind == forge.kind
        assert stored.api_url.startswith(server.url) and stored.url.startswith(server.url)
        accounts = set(Account.objects.filter(forge=stored).values_list("path", flat=True))
        listed = {o.path for o in forge.owners.values() if o.organisation}
        assert {a.lower() for a in accounts} == {p.lower() for p in listed}


def test_it_runs_as_a_command_that_prints_its_url(tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "communs.cli", "emulator", "serve", "--port", "0",
        "--repositories", "60", "--owners", "8", "--sources-dir", str(tmp_path),
        "--no-gitlab-graphql",
    ]  # fmt: skip
    env = {**os.environ, "COMMUNS_HOME": str(tmp_path / "home"), "LANG": "C"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Forge emulator at http://127.0.0.1:")
        url = first.split(" at ", 1)[1].strip()
        assert httpx.get(f"{url}/_emulator/").json()["repositories"] == 60
        assert (tmp_path / "comptes-organismes-publics.yml").read_text().count(url) >= 6
        # --no-gitlab-graphql: GitLab's GraphQL is gone (404), as on a locked-down instance.
        graphql = httpx.post(f"{url}/gitlab/api/graphql", json={"query": "{ currentUser { id } }"})
        assert graphql.status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert process.returncode in (0, -15)


def test_it_refuses_bad_options() -> None:
    from django.core.management.base import CommandError

    with translation.override("en"), pytest.raises(CommandError, match="fault kinds"):
        call_command("emulator", "serve", "--fault-kinds", "teapot", stdout=StringIO())
    with translation.override("en"), pytest.raises(CommandError, match="between 0 and 1"):
        call_command("emulator", "serve", "--faults", "3", stdout=StringIO())
    with translation.override("en"), pytest.raises(CommandError, match="at least 1"):
        call_command("emulator", "serve", "--gitlab-max-complexity", "0", stdout=StringIO())
