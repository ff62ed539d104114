"""A small catalogue for the demo: well-known free software, used by the demo's organisations.

The entries are real free software (names, licences, websites and upstream repositories
are public facts); who uses them, the referents and the deployed services are made up
from the demo's own organisations, as the rest of the demo data is. The entries go
through :func:`communs.catalogue.importer.store_catalogue`, the code the 2022 SILL
import uses, so the demo shows what an import gives; uses and referents, which no SILL
file carries, are added afterwards the way agents would declare them.

A few entries are the demo's own harvested repositories marked "made by the public
sector", so that a software page can show the repository it is built from.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from communs.catalogue.importer import store_catalogue
from communs.catalogue.models import Referent, Software, Usage
from communs.catalogue.sill import SillCatalogue, SillService, SillSoftware
from communs.repositories.models import Repository
from communs.sources.models import Organisation

# name, function, licence, website, upstream repository, sector, category, status.
KNOWN_SOFTWARE: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    (
        "LibreOffice",
        "Suite bureautique",
        "MPL-2.0",
        "https://www.libreoffice.org/",
        "https://github.com/LibreOffice/core",
        "Bureautique",
        "Suite bureautique",
        "recommended",
    ),
    (
        "Firefox",
        "Navigateur web",
        "MPL-2.0",
        "https://www.mozilla.org/firefox/",
        "https://github.com/mozilla-firefox/firefox",
        "Bureautique",
        "Navigateur",
        "recommended",
    ),
    (
        "Thunderbird",
        "Messagerie",
        "MPL-2.0",
        "https://www.thunderbird.net/",
        "https://github.com/mozilla/releases-comm-central",
        "Communication",
        "Messagerie",
        "recommended",
    ),
    (
        "Jitsi Meet",
        "Visioconférence",
        "Apache-2.0",
        "https://jitsi.org/",
        "https://github.com/jitsi/jitsi-meet",
        "Communication",
        "Visioconférence",
        "recommended",
    ),
    (
        "Nextcloud",
        "Partage de fichiers",
        "AGPL-3.0-or-later",
        "https://nextcloud.com/",
        "https://github.com/nextcloud/server",
        "Collaboration",
        "Partage de fichiers",
        "recommended",
    ),
    (
        "QGIS",
        "Système d'information géographique",
        "GPL-2.0-or-later",
        "https://qgis.org/",
        "https://github.com/qgis/QGIS",
        "Données",
        "Cartographie",
        "recommended",
    ),
    (
        "PostgreSQL",
        "Base de données relationnelle",
        "PostgreSQL",
        "https://www.postgresql.org/",
        "https://github.com/postgres/postgres",
        "Données",
        "Base de données",
        "recommended",
    ),
    (
        "GLPI",
        "Gestion de parc informatique",
        "GPL-3.0-or-later",
        "https://glpi-project.org/",
        "https://github.com/glpi-project/glpi",
        "Opérations",
        "Gestion de parc",
        "recommended",
    ),
    (
        "Moodle",
        "Plateforme de formation",
        "GPL-3.0-or-later",
        "https://moodle.org/",
        "https://github.com/moodle/moodle",
        "Formation",
        "Formation en ligne",
        "recommended",
    ),
    (
        "Keycloak",
        "Gestion des identités",
        "Apache-2.0",
        "https://www.keycloak.org/",
        "https://github.com/keycloak/keycloak",
        "Sécurité",
        "Identité",
        "recommended",
    ),
    (
        "VLC",
        "Lecteur multimédia",
        "GPL-2.0-or-later",
        "https://www.videolan.org/vlc/",
        "https://github.com/videolan/vlc",
        "Bureautique",
        "Multimédia",
        "recommended",
    ),
    (
        "7-Zip",
        "Compression de fichiers",
        "LGPL-2.1-or-later",
        "https://www.7-zip.org/",
        "",
        "Bureautique",
        "Compression",
        "recommended",
    ),
    (
        "Inkscape",
        "Dessin vectoriel",
        "GPL-2.0-or-later",
        "https://inkscape.org/",
        "https://gitlab.com/inkscape/inkscape",
        "Bureautique",
        "Graphisme",
        "observation",
    ),
    (
        "GIMP",
        "Retouche d'images",
        "GPL-3.0-or-later",
        "https://www.gimp.org/",
        "https://gitlab.gnome.org/GNOME/gimp",
        "Bureautique",
        "Graphisme",
        "recommended",
    ),
    (
        "Matrix Synapse",
        "Messagerie instantanée",
        "AGPL-3.0-or-later",
        "https://matrix.org/",
        "https://github.com/element-hq/synapse",
        "Communication",
        "Messagerie instantanée",
        "observation",
    ),
    (
        "BigBlueButton",
        "Classe virtuelle",
        "LGPL-3.0-or-later",
        "https://bigbluebutton.org/",
        "https://github.com/bigbluebutton/bigbluebutton",
        "Formation",
        "Classe virtuelle",
        "observation",
    ),
    (
        "Zabbix",
        "Supervision",
        "AGPL-3.0-only",
        "https://www.zabbix.com/",
        "https://github.com/zabbix/zabbix",
        "Opérations",
        "Supervision",
        "recommended",
    ),
    (
        "Ansible",
        "Automatisation",
        "GPL-3.0-or-later",
        "https://www.ansible.com/",
        "https://github.com/ansible/ansible",
        "Opérations",
        "Déploiement",
        "recommended",
    ),
    (
        "Visual Studio Code (VSCodium)",
        "Éditeur de code",
        "MIT",
        "https://vscodium.com/",
        "https://github.com/VSCodium/vscodium",
        "Développement",
        "Éditeur",
        "observation",
    ),
    (
        "Django",
        "Cadriciel web",
        "BSD-3-Clause",
        "https://www.djangoproject.com/",
        "https://github.com/django/django",
        "Développement",
        "Cadriciel",
        "recommended",
    ),
    (
        "KeePassXC",
        "Gestionnaire de mots de passe",
        "GPL-3.0-or-later",
        "https://keepassxc.org/",
        "https://github.com/keepassxreboot/keepassxc",
        "Sécurité",
        "Mots de passe",
        "recommended",
    ),
    (
        "OpenOffice.org",
        "Suite bureautique",
        "LGPL-3.0-only",
        "https://www.openoffice.org/",
        "",
        "Bureautique",
        "Suite bureautique",
        "dereferenced",
    ),
)
# Inkscape's and GIMP's plug-ins are what "parent software" is for; none is listed here,
# but Thunderbird's calendar is, as a child of Thunderbird.
PLUGINS = (("Lightning", "Agenda de Thunderbird", "Thunderbird"),)
SIMILAR = (("LibreOffice", "OpenOffice.org"), ("Jitsi Meet", "BigBlueButton"))
# Entries made from the demo's own repositories, "made by the public sector".
OWN_ENTRIES = 6
AGENTS = 12


def demo_catalogue(seed: int, organisations: list[str], own: list[Repository]) -> SillCatalogue:
    """The entries and deployed services, as a SILL import would read them (pure data)."""
    chance = random.Random(seed)  # noqa: S311 - made-up data, not secrets
    start = datetime(2018, 1, 1, tzinfo=UTC)
    names = [row[0] for row in KNOWN_SOFTWARE] + [name for name, _, _ in PLUGINS]
    ids = {name: number for number, name in enumerate(names, start=1)}
    similar: dict[int, set[int]] = {}
    for left, right in SIMILAR:
        similar.setdefault(ids[left], set()).add(ids[right])
    software = [
        _entry(
            ids[name],
            name,
            function,
            licence,
            start + timedelta(days=chance.randrange(0, 2500)),
            attributes={"in_support_contract": str(chance.random() < 0.4).lower()},
            description_fr=f"{function}, libre, utilisé par plusieurs administrations.",
            website=website,
            repository_url=repository,
            sector=sector,
            category=category,
            status=status,
            similar_ids=tuple(sorted(similar.get(ids[name], ()))),
        )
        for name, function, licence, website, repository, sector, category, status in (
            KNOWN_SOFTWARE
        )
    ]
    software += [
        _entry(ids[name], name, function, "MPL-2.0", start, parent_id=ids[parent])
        for name, function, parent in PLUGINS
    ]
    software += [
        _entry(
            number,
            repository.name,
            repository.description[:300] or "Logiciel du secteur public",
            repository.license or "",
            start + timedelta(days=chance.randrange(0, 2500)),
            repository_url=repository.url,
            sector="Secteur public",
            category="Logiciel métier",
            attributes={"from_public_sector": "true"},
        )
        for number, repository in enumerate(own, start=len(names) + 1)
    ]
    services = []
    deployable = [
        entry for entry in software[: len(KNOWN_SOFTWARE)] if entry.status != "dereferenced"
    ]
    for number in range(1, 21):
        entry = chance.choice(deployable)
        organisation = chance.choice(organisations)
        services.append(
            SillService(
                sill_service_id=number,
                software_id=entry.sill_id,
                software_name=entry.name,
                organisation_name=organisation,
                name=f"{entry.function} ({organisation})",
                url=f"https://service-{number}.demo.invalid/",
                description=entry.function,
                audience="Agents publics",
                public=chance.random() < 0.5,
            )
        )
    return SillCatalogue(software=software, services=services)


def _entry(
    number: int, name: str, function: str, licence: str, added: datetime, **fields: object
) -> SillSoftware:
    values: dict = {
        "sill_id": number,
        "name": name,
        "function": function,
        "status": "observation",
        "licence": licence,
        "wikidata_id": "",
        "comptoir_id": None,
        "version_minimal": "",
        "version_maximal": "",
        "added_at": added,
        "parent_id": None,
        "parent_name": "",
        "similar_ids": (),
        "attributes": {},
    }
    values.update(fields)
    return SillSoftware(**values)


def load_demo_catalogue(seed: int) -> int:
    """Store the demo catalogue with its uses and referents; returns how many entries."""
    chance = random.Random(seed + 1)  # noqa: S311 - made-up data, not secrets
    organisations = list(
        Organisation.objects.exclude(level=Organisation.Level.MINISTRY).order_by("pk")[:60]
    )
    own = list(
        Repository.objects.filter(gone_since__isnull=True)
        .exclude(description="")
        .order_by("-stars", "pk")[:OWN_ENTRIES]
    )
    with transaction.atomic():
        store_catalogue(demo_catalogue(seed, [o.name for o in organisations], own))
        entries = list(Software.objects.order_by("pk"))
        # Made-up agents with no password (nobody signs in as them), on a reserved domain.
        user_model = get_user_model()
        agents = []
        for number in range(1, AGENTS + 1):
            agent, created = user_model.objects.get_or_create(
                username=f"demo-agent-{number}",
                defaults={"email": f"demo-agent-{number}@demo.invalid"},
            )
            if created:
                agent.set_unusable_password()
                agent.save(update_fields=["password"])
            agents.append(agent)
        if not organisations:
            return len(entries)
        for software in entries:
            users = chance.randrange(0, min(9, len(organisations) + 1))
            for organisation in chance.sample(organisations, users):
                Usage.objects.get_or_create(
                    software=software,
                    organisation=organisation,
                    agent=None,
                    defaults={"organisation_name": organisation.name},
                )
            if chance.random() < 0.6:
                agent = chance.choice(agents)
                Referent.objects.get_or_create(
                    software=software,
                    agent=agent,
                    defaults={
                        "organisation": chance.choice(organisations),
                        "is_expert": chance.random() < 0.4,
                        "confirmed_at": datetime.now(UTC),
                    },
                )
    return len(entries)
