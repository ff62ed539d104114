"""The sources file that points Communs at a running emulator.

Same 2025 host-keyed format as code.gouv.fr's ``comptes-organismes-publics.yml``: one
top-level key per forge (``127.0.0.1:8765/gitlab``), with ``forge:``, ``url:`` and
``api_url:`` pointing at the emulator; a forge shared with others lists its owners (each
with its organisation's ``pso_id``, ``floss_policy``, ``ospo_url``); a forge dedicated
to public code as a whole names its ``pso_id`` and lists none.
"""

from __future__ import annotations

import json
import re

from communs.emulator.protocol import Urls
from communs.emulator.world import World

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/-]*|https?://[A-Za-z0-9._~/%#?=&+:-]+")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when safe, else double-quoted (JSON strings are YAML)."""
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def sources_yaml(world: World, base_url: str) -> str:
    """The sources document for ``world`` served at ``base_url`` (``http://host:port``)."""
    host_key = base_url.split("://", 1)[1]
    lines = [
        f"# Forges of the Communs emulator at {base_url} (seed {world.seed}): made-up data.",
        "# Import with `communs sources import` (top_organizations.yml beside it names the",
        "# ministries), then harvest.",
    ]
    for forge in world.forges.values():
        urls = Urls.of(base_url, forge.name, forge.dialect)
        lines += [
            "",
            f"{scalar(f'{host_key}/{forge.name}')}:",
            f"  forge: {forge.kind}",
            f"  url: {scalar(urls.web)}",
            f"  api_url: {scalar(urls.api)}",
        ]
        if forge.whole:
            lines.append(f"  pso_id: {forge.pso_id}")
            continue
        listed = [o for o in forge.owners.values() if o.organisation is not None]
        lines.append("  owners:" if listed else "  owners: {}")
        for owner in sorted(listed, key=lambda o: o.path.lower()):
            organisation = owner.organisation
            assert organisation is not None
            lines += [f"    {scalar(owner.path)}:", f"      pso_id: {organisation.pso_id}"]
            if organisation.floss_policy:
                lines.append(f"      floss_policy: {scalar(organisation.floss_policy)}")
            if organisation.ospo_url:
                lines.append(f"      ospo_url: {scalar(organisation.ospo_url)}")
    return "\n".join(lines) + "\n"
