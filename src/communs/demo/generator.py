"""A plausible, made-up data set of French public code, for ``communs demo`` and tests.

:func:`generate` builds, from a seed alone, what the real pipeline starts from:

- a **sources document** in the 2025 host-keyed format of code.gouv.fr's
  ``comptes-organismes-publics.yml`` (host keys, ``forge:``, ``owners:`` with ``pso_id``,
  ``floss_policy``, ``ospo_url``; whole forges carry their ``pso_id`` at the top) and the
  ``top_organizations.yml`` mapping of ministries (``pso_id: name``), as text;
- **repository records** (:class:`~communs.forges.records.RepositoryRecord`) grouped by
  forge host, each with a ``native_id`` unique on its forge, whose ``full_path`` starts
  with a listed owner path, or lies anywhere on a whole forge.

Contracts: the same arguments give the same data, byte for byte (one
``random.Random(seed)``, never the global generator, and no iteration over sets);
exactly ``organisations`` organisations, ministries included, each of which appears in
the sources document (an owner, a whole forge, or a ministry); exactly ``repositories``
records; every date lies before ``now`` and ``created_at <= pushed_at <= updated_at``.
Names are invented in the style of French public bodies; they describe no real data.

The shapes stay plain (dataclasses, dicts, lists) so that a local forge emulator can
later serve the same records over the GitHub, GitLab and Gitea APIs.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from communs.forges.kinds import default_web_url
from communs.forges.records import RepositoryRecord

SOURCES_FILENAME = "comptes-organismes-publics.yml"
MINISTRIES_FILENAME = "top_organizations.yml"
GITHUB = "github.com"
GITLAB = "gitlab.com"


@dataclass(frozen=True, slots=True)
class DemoOrganisation:
    """A made-up public body; ``ministry`` is the ``pso_id`` of its ministry (None for one)."""

    pso_id: str
    name: str
    category: str
    slug: str
    domain: str
    ministry: str | None = None
    floss_policy: str = ""
    ospo_url: str = ""

    @property
    def website(self) -> str:
        return f"https://www.{self.domain}"


@dataclass(frozen=True, slots=True)
class DemoForge:
    """A forge: shared (only listed owners count) or whole (run by ``pso_id``, all of it)."""

    host: str
    kind: str
    pso_id: str | None = None

    @property
    def whole(self) -> bool:
        return self.pso_id is not None

    @property
    def url(self) -> str:
        return default_web_url(self.host)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """An owner listed on a shared forge: a user, an organisation, a group or a sub-group."""

    host: str
    path: str
    pso_id: str


@dataclass
class DemoData:
    """Everything :func:`generate` produced; see the module docstring for the contracts."""

    seed: int
    now: datetime
    organisations: list[DemoOrganisation]
    forges: list[DemoForge]
    accounts: list[DemoAccount]
    # Forge host -> its records, in the order of their native ids.
    repositories: dict[str, list[RepositoryRecord]] = field(default_factory=dict)

    @property
    def ministries(self) -> dict[str, str]:
        """``pso_id -> name`` of the ministries, as in ``top_organizations.yml``."""
        return {o.pso_id: o.name for o in self.organisations if o.category == "ministry"}

    @property
    def repository_count(self) -> int:
        return sum(len(records) for records in self.repositories.values())

    def sources_yaml(self) -> str:
        """The sources document, in the 2025 host-keyed format."""
        by_pso = {o.pso_id: o for o in self.organisations}
        lines = [
            f"# Demo data made up by `communs demo` (seed {self.seed}): no real organisation.",
            "# Same format as code.gouv.fr's comptes-organismes-publics.yml: each top-level key",
            "# is a forge host; a shared forge lists its owners, a whole forge names its pso_id.",
        ]
        for forge in self.forges:
            lines += ["", f"{_yaml_scalar(forge.host)}:", f"  forge: {forge.kind}"]
            if forge.whole:
                lines.append(f"  pso_id: {forge.pso_id}")
                continue
            lines.append("  owners:")
            for account in self.accounts:
                if account.host != forge.host:
                    continue
                owner = by_pso[account.pso_id]
                lines += [f"    {_yaml_scalar(account.path)}:", f"      pso_id: {owner.pso_id}"]
                if owner.floss_policy:
                    lines.append(f"      floss_policy: {_yaml_scalar(owner.floss_policy)}")
                if owner.ospo_url:
                    lines.append(f"      ospo_url: {_yaml_scalar(owner.ospo_url)}")
        return "\n".join(lines) + "\n"

    def ministries_yaml(self) -> str:
        """The ministries mapping, in the format of ``top_organizations.yml``."""
        lines = ["# Ministries that group the demo organisations (made up by `communs demo`).", ""]
        lines += [f"{pso_id}: {_yaml_scalar(name)}" for pso_id, name in self.ministries.items()]
        return "\n".join(lines) + "\n"

    def write_sources(self, folder: Path) -> Path:
        """Write both files into ``folder`` (created if needed); returns the sources file."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MINISTRIES_FILENAME).write_text(self.ministries_yaml(), encoding="utf-8")
        path = folder / SOURCES_FILENAME
        path.write_text(self.sources_yaml(), encoding="utf-8")
        return path


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/-]*|https?://[A-Za-z0-9._~/%#?=&+-]+")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when it is safe, else double-quoted (JSON is YAML)."""
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens: ``Île-de-France`` -> ``ile-de-france``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# ---------------------------------------------------------------------------------------
# Vocabulary. Names are assembled from these lists; none of them is a copy of real data.

# (key, name, GitHub login when the ministry publishes code itself)
MINISTRIES: tuple[tuple[str, str, str], ...] = (
    ("premier-ministre", "Services du Premier ministre", "premier-ministre"),
    ("esr", "Ministère de l'Enseignement supérieur et de la Recherche", "min-esr"),
    ("territoires", "Collectivités territoriales", ""),
    ("sante", "Ministère de la Santé et de l'Accès aux soins", "min-sante"),
    ("education", "Ministère de l'Éducation nationale", "men-numerique"),
    ("economie", "Ministère de l'Économie et des Finances", "bercy-numerique"),
    ("interieur", "Ministère de l'Intérieur", "min-interieur"),
    ("ecologie", "Ministère de la Transition écologique", "mte-numerique"),
    ("culture", "Ministère de la Culture", "min-culture"),
    ("armees", "Ministère des Armées", "min-armees"),
    ("justice", "Ministère de la Justice", "min-justice"),
    ("travail", "Ministère du Travail et de l'Emploi", "min-travail"),
    ("agriculture", "Ministère de l'Agriculture et de l'Alimentation", "min-agriculture"),
    ("europe", "Ministère de l'Europe et des Affaires étrangères", "diplomatie-numerique"),
    ("fonction-publique", "Ministère de la Fonction publique", "min-fonction-publique"),
    ("sports", "Ministère des Sports", "min-sports"),
    ("autorites", "Autorités administratives indépendantes", ""),
)

CITIES: tuple[str, ...] = (
    "Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Nantes", "Montpellier", "Strasbourg",
    "Bordeaux", "Lille", "Rennes", "Reims", "Toulon", "Saint-Étienne", "Le Havre", "Grenoble",
    "Dijon", "Angers", "Nîmes", "Villeurbanne", "Clermont-Ferrand", "Le Mans", "Brest", "Tours",
    "Amiens", "Limoges", "Annecy", "Perpignan", "Metz", "Besançon", "Orléans", "Rouen",
    "Mulhouse", "Caen", "Nancy", "Montreuil", "Roubaix", "Avignon", "Poitiers", "Pau",
    "La Rochelle", "Calais", "Cannes", "Colmar", "Ajaccio", "Bastia", "Quimper", "Vannes",
    "Lorient", "Valence", "Chambéry", "Troyes", "Niort", "Chartres", "Bayonne", "Lannion",
    "Saint-Denis", "Fort-de-France", "Cayenne", "Pointe-à-Pitre", "Arras", "Albi", "Agen",
)  # fmt: skip

REGIONS: tuple[str, ...] = (
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire",
    "Corse", "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie",
    "Nouvelle-Aquitaine", "Occitanie", "Pays de la Loire", "Provence-Alpes-Côte d'Azur",
    "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte",
)  # fmt: skip

DEPARTMENTS: tuple[str, ...] = (
    "de la Gironde", "du Finistère", "de la Loire-Atlantique", "de la Haute-Garonne",
    "de l'Isère", "du Nord", "du Bas-Rhin", "de l'Hérault", "du Rhône", "de la Seine-Saint-Denis",
    "du Val-de-Marne", "du Gard", "de la Savoie", "de la Vienne", "de la Manche", "du Morbihan",
    "des Landes", "de l'Aude", "du Calvados", "de la Drôme", "du Doubs", "des Yvelines",
    "de l'Essonne", "de la Somme", "du Cantal", "de la Lozère", "des Vosges", "de l'Ain",
)  # fmt: skip

# (what the direction is in charge of, acronym, ministry key)
DIRECTIONS: tuple[tuple[str, str, str], ...] = (
    ("du numérique", "dinum", "premier-ministre"),
    ("de l'information légale et administrative", "dila", "premier-ministre"),
    ("des finances publiques", "dgfip", "economie"),
    ("des entreprises", "dge", "economie"),
    ("des douanes et droits indirects", "douane", "economie"),
    ("de l'aviation civile", "dgac", "ecologie"),
    ("de l'énergie et du climat", "dgec", "ecologie"),
    ("de l'aménagement, du logement et de la nature", "dgaln", "ecologie"),
    ("des collectivités locales", "dgcl", "interieur"),
    ("de la sécurité civile", "dgscgc", "interieur"),
    ("des étrangers en France", "dgef", "interieur"),
    ("de l'enseignement scolaire", "dgesco", "education"),
    ("de la recherche et de l'innovation", "dgri", "esr"),
    ("de l'offre de soins", "dgos", "sante"),
    ("de la cohésion sociale", "dgcs", "sante"),
    ("du travail", "dgt", "travail"),
    ("de l'emploi et de la formation professionnelle", "dgefp", "travail"),
    ("de l'alimentation", "dgal", "agriculture"),
    ("de l'enseignement et de la recherche agricoles", "dger", "agriculture"),
    ("des patrimoines et de l'architecture", "dgpa", "culture"),
    ("de la création artistique", "dgca", "culture"),
    ("de l'armement", "dga", "armees"),
    ("des systèmes d'information et de communication", "dirisi", "armees"),
    ("des services judiciaires", "dsj", "justice"),
    ("de l'administration pénitentiaire", "dap", "justice"),
    ("de la mondialisation", "dgm", "europe"),
    ("de l'administration et de la fonction publique", "dgafp", "fonction-publique"),
    ("des sports", "dsports", "sports"),
)

# (name, acronym, ministry key)
AGENCIES: tuple[tuple[str, str, str], ...] = (
    ("Agence nationale de la recherche", "anr", "esr"),
    ("Agence nationale des titres sécurisés", "ants", "interieur"),
    ("Agence nationale de la cohésion des territoires", "anct", "territoires"),
    ("Agence nationale de sécurité du médicament", "ansm", "sante"),
    ("Agence du numérique en santé", "ans", "sante"),
    ("Agence nationale de l'habitat", "anah", "ecologie"),
    ("Agence nationale des fréquences", "anfr", "economie"),
    ("Agence nationale de la sécurité des systèmes d'information", "anssi", "premier-ministre"),
    ("Agence de l'environnement et de la maîtrise de l'énergie", "ademe", "ecologie"),
    ("Agence pour l'enseignement français à l'étranger", "aefe", "europe"),
    ("Agence nationale du sport", "ansport", "sports"),
    ("Office national des forêts", "onf", "agriculture"),
    ("Office français de la biodiversité", "ofb", "ecologie"),
    ("Institut national de la statistique et des études économiques", "insee", "economie"),
    ("Institut national de recherche en sciences et technologies du numérique", "inria", "esr"),
    ("Institut national de la santé et de la recherche médicale", "inserm", "esr"),
    ("Institut national de l'information géographique et forestière", "ign", "ecologie"),
    ("Centre national d'études spatiales", "cnes", "esr"),
    ("Centre national de la recherche scientifique", "cnrs", "esr"),
    ("Météo-France", "meteofrance", "ecologie"),
    ("Caisse nationale d'assurance maladie", "cnam", "sante"),
    ("Caisse nationale des allocations familiales", "cnaf", "sante"),
    ("France Travail", "francetravail", "travail"),
    ("Bibliothèque nationale de France", "bnf", "culture"),
    ("Haute Autorité de santé", "has", "autorites"),
    ("Commission nationale de l'informatique et des libertés", "cnil", "autorites"),
    ("Autorité de régulation des communications électroniques", "arcep", "autorites"),
    ("Défenseur des droits", "defenseurdesdroits", "autorites"),
    ("Cour des comptes", "ccomptes", "autorites"),
)

WATER_BASINS: tuple[str, ...] = (
    "Adour-Garonne", "Artois-Picardie", "Loire-Bretagne", "Rhin-Meuse",
    "Rhône-Méditerranée-Corse", "Seine-Normandie",
)  # fmt: skip

FIELDS: tuple[str, ...] = (
    "informatique", "mathématiques appliquées", "sciences du climat", "biologie computationnelle",
    "physique des particules", "géosciences", "sciences sociales", "économie", "neurosciences",
    "astrophysique", "océanographie", "écologie", "linguistique", "robotique", "chimie théorique",
    "santé publique", "génomique", "sciences de l'éducation", "histoire", "agronomie",
)  # fmt: skip

# (French with its article for "de …", English, slug for repository names)
ADMIN_THEMES: tuple[tuple[str, str, str], ...] = (
    ("des subventions", "grants", "subventions"),
    ("des marchés publics", "public procurement", "marches-publics"),
    ("de l'état civil", "civil registry records", "etat-civil"),
    ("de l'urbanisme", "urban planning", "urbanisme"),
    ("du cadastre", "land registry data", "cadastre"),
    ("des transports", "public transport", "transports"),
    ("des déchets", "waste collection", "dechets"),
    ("de la qualité de l'air", "air quality", "qualite-air"),
    ("de l'eau potable", "drinking water", "eau"),
    ("de l'énergie", "energy use", "energie"),
    ("des rendez-vous", "appointments", "rdv"),
    ("des ressources humaines", "human resources", "rh"),
    ("de la paie", "payroll", "paie"),
    ("du budget", "budget data", "budget"),
    ("des élections", "elections", "elections"),
    ("des bibliothèques", "libraries", "bibliotheques"),
    ("des archives", "archives", "archives"),
    ("des démarches en ligne", "online procedures", "demarches"),
    ("des données ouvertes", "open data", "open-data"),
    ("de la biodiversité", "biodiversity", "biodiversite"),
    ("des examens", "exams", "examens"),
    ("de l'emploi", "job offers", "emploi"),
    ("du logement", "housing", "logement"),
    ("de la fiscalité locale", "local taxes", "fiscalite"),
    ("des aides sociales", "social benefits", "aides-sociales"),
    ("de la sécurité routière", "road safety", "securite-routiere"),
    ("du tourisme", "tourism", "tourisme"),
    ("du patrimoine", "heritage sites", "patrimoine"),
    ("des équipements sportifs", "sports facilities", "sport"),
    ("de l'identité numérique", "digital identity", "identite"),
    ("de l'accessibilité", "accessibility", "accessibilite"),
    ("des signalements", "citizen reports", "signalements"),
    ("de l'annuaire des agents", "staff directory", "annuaire"),
    ("des formulaires", "forms", "formulaires"),
    ("des vaccinations", "vaccinations", "vaccination"),
    ("de la restauration scolaire", "school catering", "cantine"),
)

RESEARCH_THEMES: tuple[tuple[str, str, str], ...] = (
    ("du climat", "the climate", "climat"),
    ("des écosystèmes", "ecosystems", "ecosystemes"),
    ("des protéines", "proteins", "proteines"),
    ("des galaxies", "galaxies", "galaxies"),
    ("des séismes", "earthquakes", "seismes"),
    ("des réseaux de neurones", "neural networks", "neural"),
    ("du langage naturel", "natural language", "nlp"),
    ("des particules", "particle collisions", "particules"),
    ("des océans", "the oceans", "ocean"),
    ("des génomes", "genomes", "genome"),
    ("de l'imagerie médicale", "medical images", "imagerie"),
    ("des écoulements turbulents", "turbulent flows", "turbulence"),
    ("des matériaux", "materials", "materiaux"),
    ("des graphes", "graphs", "graphes"),
    ("des épidémies", "epidemics", "epidemio"),
    ("des sols", "soils", "sols"),
)

# (French, English, slug) of what a repository is.
ARTIFACTS: tuple[tuple[str, str, str], ...] = (
    ("API", "API", "api"),
    ("Application web", "Web application", "web"),
    ("Interface d'administration", "Admin interface", "admin"),
    ("Tableau de bord", "Dashboard", "dashboard"),
    ("Simulateur", "Simulator", "simulateur"),
    ("Connecteur", "Connector", "connecteur"),
    ("Chaîne de traitement", "Processing pipeline", "pipeline"),
    ("Application mobile", "Mobile app", "mobile"),
    ("Site internet", "Website", "site"),
    ("Scripts de déploiement", "Deployment scripts", "deploy"),
    ("Extension QGIS", "QGIS plugin", "qgis"),
    ("Thème DSFR", "DSFR theme", "dsfr"),
    ("Documentation", "Documentation", "docs"),
    ("Robot conversationnel", "Chatbot", "bot"),
    ("Outil en ligne de commande", "Command-line tool", "cli"),
)

ADMIN_FR: tuple[str, ...] = (
    "{artifact} de gestion {theme}",
    "{artifact} pour le suivi {theme}",
    "Outils et scripts pour le traitement {theme}",
    "Visualisation {theme} sur une carte interactive",
    "Référentiel {theme} et son API",
    "{artifact} du service numérique {theme}",
)
ADMIN_EN: tuple[str, ...] = (
    "{artifact} to manage {theme}",
    "{artifact} for tracking {theme}",
    "Tools and scripts to process {theme} data",
    "Interactive map of {theme}",
)
RESEARCH_FR: tuple[str, ...] = (
    "Code de simulation {theme}",
    "Modélisation {theme} : code et données",
    "Outils d'analyse statistique {theme}",
    "Code associé à l'article sur l'étude {theme}",
)
RESEARCH_EN: tuple[str, ...] = (
    "Simulation code for {theme}",
    "A {language} toolkit for the analysis of {theme}",
    "Reproducible code for our paper on {theme}",
)

# (upstream name, description, language, SPDX licence): software public bodies often fork.
UPSTREAMS: tuple[tuple[str, str, str, str], ...] = (
    ("moodle", "Moodle - the world's open source learning platform", "PHP", "GPL-3.0"),
    ("nextcloud-server", "A safe home for all your data", "PHP", "AGPL-3.0"),
    ("keycloak", "Open Source Identity and Access Management", "Java", "Apache-2.0"),
    (
        "leaflet",
        "JavaScript library for mobile-friendly interactive maps",
        "JavaScript",
        "BSD-2-Clause",
    ),
    ("django", "The Web framework for perfectionists with deadlines.", "Python", "BSD-3-Clause"),
    ("matomo", "Privacy-friendly web analytics", "PHP", "GPL-3.0"),
    ("grist-core", "Grist is the evolution of spreadsheets.", "TypeScript", "Apache-2.0"),
    ("peertube", "ActivityPub-federated video streaming platform", "TypeScript", "AGPL-3.0"),
    ("mattermost", "Open source platform for secure collaboration", "Go", "AGPL-3.0"),
    ("openfisca-core", "OpenFisca core engine", "Python", "AGPL-3.0"),
    ("limesurvey", "Open source survey tool", "PHP", "GPL-2.0"),
    ("jitsi-meet", "Secure, simple and scalable video conferences", "JavaScript", "Apache-2.0"),
    ("bigbluebutton", "Virtual classroom software", "Java", "LGPL-3.0"),
    ("decidim", "The participatory democracy framework", "Ruby", "AGPL-3.0"),
    ("metabase", "The simplest way to ask questions of your data", "Clojure", "AGPL-3.0"),
    ("superset", "A data visualization and data exploration platform", "TypeScript", "Apache-2.0"),
    ("qgis", "A free and open source geographic information system", "C++", "GPL-2.0"),
    ("geoserver", "Server for sharing geospatial data", "Java", "GPL-2.0"),
    ("lemonldap-ng", "Web single sign-on and access management", "Perl", "GPL-2.0"),
    ("glpi", "IT asset management and service desk", "PHP", "GPL-3.0"),
    ("zammad", "Web based open source helpdesk", "Ruby", "AGPL-3.0"),
    ("element-web", "A glossy Matrix collaboration client", "TypeScript", "AGPL-3.0"),
    ("synapse", "Matrix homeserver", "Python", "AGPL-3.0"),
    ("omeka-s", "Web publishing for cultural heritage collections", "PHP", "GPL-3.0"),
    ("openlayers", "A high-performance mapping library", "JavaScript", "BSD-2-Clause"),
    ("ckan", "The open source data portal software", "Python", "AGPL-3.0"),
    ("udata", "Social platform dedicated to open data", "Python", "AGPL-3.0"),
    ("dsfr", "Système de design de l'État", "JavaScript", "MIT"),
    ("wordpress", "WordPress, Git-ified.", "PHP", "GPL-2.0"),
    ("drupal", "Drupal core", "PHP", "GPL-2.0"),
)

# (language, weight, languages often found beside it): weighted like public code.
LANGUAGES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("Python", 18, ("Shell", "Dockerfile", "HTML", "Makefile")),
    ("JavaScript", 14, ("HTML", "CSS", "Shell")),
    ("TypeScript", 10, ("JavaScript", "HTML", "CSS", "SCSS")),
    ("Java", 8, ("JavaScript", "HTML", "Shell")),
    ("PHP", 8, ("JavaScript", "CSS", "HTML", "Twig")),
    ("HTML", 6, ("CSS", "JavaScript")),
    ("Jupyter Notebook", 5, ("Python",)),
    ("Shell", 4, ("Dockerfile", "Makefile")),
    ("R", 4, ("HTML", "TeX")),
    ("Vue", 3, ("JavaScript", "TypeScript", "CSS")),
    ("C++", 3, ("C", "CMake", "Python")),
    ("C", 3, ("Makefile", "Shell", "Python")),
    ("Go", 3, ("Makefile", "Dockerfile", "Shell")),
    ("Ruby", 2, ("JavaScript", "HTML", "SCSS")),
    ("CSS", 2, ("HTML", "JavaScript")),
    ("Kotlin", 1.2, ("Java",)),
    ("Rust", 1, ("Shell",)),
    ("C#", 1, ("PowerShell",)),
    ("Fortran", 0.8, ("Python", "Makefile", "C")),
    ("OCaml", 0.6, ("Makefile", "Shell")),
    ("Julia", 0.6, ("Python",)),
    ("TeX", 0.6, ("Makefile",)),
    ("Scala", 0.5, ("Java", "Shell")),
    ("Dart", 0.4, ("Kotlin", "Swift")),
    ("Swift", 0.3, ("Objective-C", "Ruby")),
    ("", 4, ()),  # an empty repository, or only documents
)

# (SPDX id as forges report it, weight): roughly the mix of French public code; "" is none.
LICENSES: tuple[tuple[str, float], ...] = (
    ("", 34),
    ("MIT", 18),
    ("AGPL-3.0", 9),
    ("GPL-3.0", 8),
    ("Apache-2.0", 6),
    ("EUPL-1.2", 4),
    ("CECILL-2.1", 3),
    ("LGPL-3.0", 2),
    ("LGPL-2.1", 1.5),
    ("etalab-2.0", 2.5),
    ("MPL-2.0", 2),
    ("BSD-3-Clause", 2),
    ("GPL-2.0", 1.5),
    ("CECILL-B", 1),
    ("CECILL-C", 0.7),
    ("BSD-2-Clause", 0.5),
    ("CC-BY-4.0", 1),
    ("CC0-1.0", 0.8),
    ("Unlicense", 0.3),
    ("NOASSERTION", 3),
)

GENERIC_TOPICS: tuple[str, ...] = (
    "open-data", "opendata", "government", "administration", "service-public", "api",
    "docker", "france", "accessibilite", "dsfr", "beta-gouv", "collectivites", "sig", "gis",
)  # fmt: skip
RESEARCH_TOPICS: tuple[str, ...] = (
    "research", "science", "hpc", "simulation", "machine-learning", "data-science",
    "reproducible-research", "bioinformatics", "statistics",
)  # fmt: skip

SUBGROUPS: tuple[str, ...] = (
    "outils", "data", "infra", "apps", "formation", "archives", "experimentations", "sig",
    "devops", "web", "documentation", "prototypes",
)  # fmt: skip
TEAMS: tuple[str, ...] = (
    "dsi", "sig", "recherche", "enseignement", "communication", "data", "infra", "web",
    "projets-etudiants", "bibliotheque", "plateformes", "calcul", "pedagogie", "urbanisme",
)  # fmt: skip
FIRST_NAMES: tuple[str, ...] = (
    "camille", "jean", "marie", "nicolas", "sophie", "thomas", "lea", "julien", "claire",
    "antoine", "ines", "paul", "manon", "hugo", "chloe", "louis", "sarah", "mathieu",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand", "leroy",
    "moreau", "simon", "laurent", "lefebvre", "michel", "garcia", "david", "bertrand", "roux",
)  # fmt: skip

# Categories of non-ministry organisations and their weights in the mix.
CATEGORY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("direction", 14),
    ("university", 12),
    ("lab", 22),
    ("region", 8),
    ("city", 18),
    ("hospital", 8),
    ("agency", 18),
)
# Categories whose repositories are mostly research code.
RESEARCH_CATEGORIES = {"university", "lab"}

# (kind, host prefix) of the whole forges, in order of creation.
WHOLE_FORGE_KINDS: tuple[tuple[str, str], ...] = (
    ("gitlab", "gitlab"),
    ("gitea", "git"),
    ("gitlab", "forge"),
    ("forgejo", "code"),
    ("gitlab", "gitlab"),
    ("gitea", "gitea"),
)


# ---------------------------------------------------------------------------------------
# Generation


def generate(
    *,
    organisations: int = 300,
    repositories: int = 3000,
    seed: int = 0,
    now: datetime | None = None,
) -> DemoData:
    """A made-up data set; the same arguments always give the same data.

    ``now`` is the moment every date lies before; it defaults to the start of the current
    day (UTC), so that runs on the same day agree. Raises ``ValueError`` when
    ``organisations < 2`` (a ministry and one body under it) or ``repositories < 0``.
    """
    if organisations < 2:
        raise ValueError("a demo needs at least 2 organisations (a ministry and one body)")
    if repositories < 0:
        raise ValueError("the number of repositories cannot be negative")
    if now is None:
        now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    orgs = _organisations(rng, organisations)
    forges, accounts = _forges_and_accounts(rng, orgs)
    data = DemoData(seed=seed, now=now, organisations=orgs, forges=forges, accounts=accounts)
    data.repositories = _RepositoryFactory(rng, data).build(repositories)
    return data


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _choose(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


# A name maker returns (name, slug, web domain, key of the ministry it belongs to).
NameMaker = Callable[[random.Random], tuple[str, str, str, str]]


def _of(place: str) -> str:
    """French "de" before a name, elided or contracted: "de Lyon", "d'Amiens", "du Havre"."""
    if place.startswith("Le "):
        return f"du {place[3:]}"
    if place[0].lower() in "aeiouhéèêîô":
        return f"d'{place}"
    return f"de {place}"


def _direction(rng: random.Random) -> tuple[str, str, str, str]:
    pick = rng.random()
    if pick < 0.5:
        scope, acronym, ministry = rng.choice(DIRECTIONS)
        kind = "interministérielle" if ministry == "premier-ministre" else "générale"
        return f"Direction {kind} {scope}", acronym, f"{acronym}.gouv.fr", ministry
    if pick < 0.75:
        region = rng.choice(REGIONS[:13])
        slug = slugify(region)
        name = f"Direction régionale de l'environnement, de l'aménagement et du logement {region}"
        return name, f"dreal-{slug}", f"dreal-{slug}.gouv.fr", "ecologie"
    city = rng.choice(CITIES)
    slug = f"ac-{slugify(city)}"
    return f"Rectorat de l'académie {_of(city)}", slug, f"{slug}.fr", "education"


def _university(rng: random.Random) -> tuple[str, str, str, str]:
    city = rng.choice(CITIES)
    slug = slugify(city)
    name, short = rng.choice(
        (
            (f"Université {_of(city)}", f"univ-{slug}"),
            (f"Université {_of(city)}", f"univ-{slug}"),
            (f"École centrale {_of(city)}", f"centrale-{slug}"),
            (f"Institut national des sciences appliquées {_of(city)}", f"insa-{slug}"),
            (f"École nationale supérieure d'ingénieurs {_of(city)}", f"ensi-{slug}"),
        )
    )
    return name, short, f"{short}.fr", "esr"


def _acronym(rng: random.Random) -> str:
    letters = "ABCDEFGHILMNOPRSTUV"
    return rng.choice("LICGU") + "".join(rng.choice(letters) for _ in range(rng.randint(2, 4)))


def _lab(rng: random.Random) -> tuple[str, str, str, str]:
    acronym = _acronym(rng)
    city = rng.choice(CITIES)
    research = rng.choice(FIELDS)
    name = rng.choice(
        (
            f"Laboratoire d'informatique {_of(city)}",
            f"Institut de recherche en {research}",
            f"Laboratoire {_of(research)} {_of(city)}",
            f"Centre de recherche en {research}",
            f"Unité mixte de recherche en {research} {_of(city)}",
        )
    )
    return f"{name} ({acronym})", acronym.lower(), f"{acronym.lower()}.fr", "esr"


def _region(rng: random.Random) -> tuple[str, str, str, str]:
    if rng.random() < 0.4:
        region = rng.choice(REGIONS)
        slug = slugify(region)
        return f"Région {region}", f"region-{slug}", f"{slug}.fr", "territoires"
    department = rng.choice(DEPARTMENTS)
    # "de la Gironde" -> "gironde", "de l'Isère" -> "isere".
    slug = slugify(department.split(" ", 1)[1].removeprefix("la ").removeprefix("l'"))
    return f"Département {department}", f"departement-{slug}", f"{slug}.fr", "territoires"


def _city(rng: random.Random) -> tuple[str, str, str, str]:
    city = rng.choice(CITIES)
    slug = slugify(city)
    name, short, domain = rng.choice(
        (
            (f"Ville {_of(city)}", f"ville-{slug}", f"{slug}.fr"),
            (f"Ville {_of(city)}", f"ville-{slug}", f"{slug}.fr"),
            (f"{city} Métropole", f"{slug}-metropole", f"{slug}-metropole.fr"),
            (f"Communauté d'agglomération {_of(city)}", f"agglo-{slug}", f"agglo-{slug}.fr"),
        )
    )
    return name, short, domain, "territoires"


def _hospital(rng: random.Random) -> tuple[str, str, str, str]:
    city = rng.choice(CITIES)
    slug = slugify(city)
    name, short = rng.choice(
        (
            (f"Centre hospitalier universitaire {_of(city)}", f"chu-{slug}"),
            (f"Centre hospitalier {_of(city)}", f"ch-{slug}"),
            (f"Centre de lutte contre le cancer {_of(city)}", f"cancer-{slug}"),
        )
    )
    return name, short, f"{short}.fr", "sante"


def _agency(rng: random.Random) -> tuple[str, str, str, str]:
    pick = rng.random()
    if pick < 0.55:
        name, acronym, ministry = rng.choice(AGENCIES)
        return name, acronym, f"{acronym}.fr", ministry
    if pick < 0.85:
        region = rng.choice(REGIONS)
        slug = slugify(region)
        return f"Agence régionale de santé {region}", f"ars-{slug}", f"ars-{slug}.fr", "sante"
    basin = rng.choice(WATER_BASINS)
    slug = slugify(basin)
    return f"Agence de l'eau {basin}", f"eau-{slug}", f"eau-{slug}.fr", "ecologie"


NAME_MAKERS: dict[str, NameMaker] = {
    "direction": _direction,
    "university": _university,
    "lab": _lab,
    "region": _region,
    "city": _city,
    "hospital": _hospital,
    "agency": _agency,
}


def _organisations(rng: random.Random, count: int) -> list[DemoOrganisation]:
    """``count`` organisations: about one ministry per eight bodies, then the bodies."""
    ministry_count = max(1, min(len(MINISTRIES), count // 8))
    result: list[DemoOrganisation] = []
    ministry_ids: dict[str, str] = {}
    for key, name, _login in MINISTRIES[:ministry_count]:
        pso_id = _uuid(rng)
        ministry_ids[key] = pso_id
        policy = f"https://{key}.gouv.fr/logiciels-libres" if rng.random() < 0.5 else ""
        result.append(
            DemoOrganisation(
                pso_id=pso_id,
                name=name,
                category="ministry",
                slug=key,
                domain=f"{key}.gouv.fr",
                floss_policy=policy,
            )
        )
    names = {o.name for o in result}
    fallback = list(ministry_ids.values())
    while len(result) < count:
        category = _choose(rng, CATEGORY_WEIGHTS)
        name, slug, domain, ministry_key = NAME_MAKERS[category](rng)
        # Fixed lists run out on large sets: a taken name is dropped and another draw
        # fills the place (lab names never run out, so this ends).
        if name in names:
            continue
        names.add(name)
        policy = rng.random()
        result.append(
            DemoOrganisation(
                pso_id=_uuid(rng),
                name=name,
                category=category,
                slug=slug,
                domain=domain,
                ministry=ministry_ids.get(ministry_key) or rng.choice(fallback),
                floss_policy=f"https://www.{domain}/logiciels-libres" if policy < 0.12 else "",
                ospo_url=f"https://www.{domain}/ospo" if policy < 0.04 else "",
            )
        )
    return result


def _forges_and_accounts(
    rng: random.Random, orgs: list[DemoOrganisation]
) -> tuple[list[DemoForge], list[DemoAccount]]:
    """github.com and gitlab.com with listed owners, plus a few whole self-hosted forges.

    Every non-ministry organisation gets at least one account or a whole forge, so that
    each one appears in the sources document.
    """
    forges = [DemoForge(GITHUB, "github"), DemoForge(GITLAB, "gitlab")]
    accounts: list[DemoAccount] = []
    taken: dict[str, set[str]] = {GITHUB: set(), GITLAB: set()}

    def add(host: str, path: str, org: DemoOrganisation) -> str:
        unique, n = path, 1
        while unique.lower() in taken[host]:
            n += 1
            unique = f"{path}{n}"
        taken[host].add(unique.lower())
        accounts.append(DemoAccount(host, unique, org.pso_id))
        return unique

    bodies = [o for o in orgs if o.category != "ministry"]
    hosts = {GITHUB, GITLAB}
    runners = [o for o in bodies if o.category in {"university", "lab", "city", "region"}]
    whole_count = min(len(WHOLE_FORGE_KINDS), max(1, len(orgs) // 60), len(runners))
    for org, (kind, prefix) in zip(
        rng.sample(runners, whole_count), WHOLE_FORGE_KINDS, strict=False
    ):
        host = f"{prefix}.{org.domain}"
        while host in hosts:
            host = f"{prefix}{len(hosts)}.{org.domain}"
        hosts.add(host)
        forges.append(DemoForge(host, kind, org.pso_id))
    runs_forge = {f.pso_id for f in forges if f.whole}

    # Groups on gitlab.com that sub-groups may live under: a ministry's, a university's.
    ministry_groups: dict[str, str] = {}
    university_groups: list[str] = []
    ministries = [o for o in orgs if o.category == "ministry"]
    for org, (_key, _name, login) in zip(ministries, MINISTRIES, strict=False):
        if login and rng.random() < 0.5:
            add(GITHUB, login, org)
        if login and rng.random() < 0.3:
            ministry_groups[org.pso_id] = add(GITLAB, login, org)
    for org in bodies:
        pick = rng.random()
        if org.pso_id in runs_forge:
            # Most bodies with their own forge publish nowhere else.
            if pick < 0.3:
                add(GITHUB, org.slug, org)
            continue
        if pick < 0.7:
            # Research bodies and agencies often use an upper-case login on GitHub.
            upper = org.category in {"lab", "agency"} and rng.random() < 0.25
            add(GITHUB, org.slug.upper() if upper else org.slug, org)
        if pick >= 0.58:
            path = org.slug
            # A lab or a direction may live as a sub-group of a university's or of its
            # ministry's group: the resolver must tell them apart by the longest prefix.
            if org.category == "lab" and university_groups and rng.random() < 0.5:
                path = f"{rng.choice(university_groups)}/{org.slug}"
            elif org.category == "direction" and org.ministry in ministry_groups:
                path = f"{ministry_groups[org.ministry]}/{org.slug}"
            path = add(GITLAB, path, org)
            if org.category == "university":
                university_groups.append(path)
    return forges, accounts


class _RepositoryFactory:
    """Makes the records: who owns each one, then its name, text, dates and figures."""

    def __init__(self, rng: random.Random, data: DemoData) -> None:
        self.rng = rng
        self.data = data
        self.now = data.now
        self.by_pso = {o.pso_id: o for o in data.organisations}
        self.forges = {f.host: f for f in data.forges}
        self.listed = {
            host: {a.path.lower() for a in data.accounts if a.host == host} for host in self.forges
        }
        self.paths: dict[str, set[str]] = {host: set() for host in self.forges}
        self.suffixes: dict[tuple[str, str], int] = {}
        self.languages = [name for name, _, _ in LANGUAGES]
        self.language_weights = [weight for _, weight, _ in LANGUAGES]
        self.companions = {name: others for name, _, others in LANGUAGES}
        # Namespaces on each whole forge: teams and people.
        self.namespaces = {f.host: self._namespaces() for f in data.forges if f.whole}

    def _namespaces(self) -> list[str]:
        teams = self.rng.sample(TEAMS, self.rng.randint(3, 8))
        people = [
            f"{self.rng.choice(FIRST_NAMES)[0]}{self.rng.choice(LAST_NAMES)}"
            for _ in range(self.rng.randint(2, 6))
        ]
        return teams + [p for i, p in enumerate(people) if p not in people[:i]]

    def build(self, count: int) -> dict[str, list[RepositoryRecord]]:
        # A container is an account (host, path, owner) or a whole forge (host, "", owner).
        containers = [(a.host, a.path, a.pso_id) for a in self.data.accounts]
        containers += [(f.host, "", f.pso_id or "") for f in self.data.forges if f.whole]
        # Long tail: most owners publish a handful of repositories, a few publish hundreds;
        # a whole forge holds as much as several owners.
        weights = [self.rng.paretovariate(1.2) * (1 if path else 6) for host, path, _ in containers]
        owners: list[tuple[str, str, str]] = []
        if count >= len(containers):
            owners = list(containers)
        owners += self.rng.choices(containers, weights, k=count - len(owners))
        by_host: dict[str, list[RepositoryRecord]] = {f.host: [] for f in self.data.forges}
        for host, path, pso_id in owners:
            by_host[host].append(self._record(host, path, self.by_pso[pso_id]))
        for host, records in by_host.items():
            self._number(host, records)
        return {host: records for host, records in by_host.items() if records}

    def _record(self, host: str, account: str, org: DemoOrganisation) -> RepositoryRecord:
        rng = self.rng
        forge = self.forges[host]
        research = org.category in RESEARCH_CATEGORIES and rng.random() < 0.7
        theme = rng.choice(RESEARCH_THEMES if research else ADMIN_THEMES)
        artifact = rng.choice(ARTIFACTS)
        is_fork = rng.random() < 0.12
        upstream = rng.choice(UPSTREAMS) if is_fork else None
        if upstream:
            language = upstream[2]
        else:
            language = rng.choices(self.languages, self.language_weights)[0]

        namespace = self._namespace(forge, account)
        name = upstream[0] if upstream else self._name(theme, artifact, research)
        full_path = self._unique_path(host, namespace, name)
        name = full_path.rsplit("/", 1)[-1]

        if upstream:
            description = rng.choice(
                (upstream[1], f"Fork de {upstream[0]} adapté à nos besoins", "")
            )
        else:
            description = self._description(theme, artifact, research, language)

        created, pushed, updated, archived = self._dates(is_fork)
        stars, forks, watchers, issues = self._figures(forge, is_fork, archived)
        homepage = ""
        if rng.random() < 0.12:
            homepage = (
                f"https://{account.split('/')[0].lower()}.github.io/{name}"
                if host == GITHUB
                else f"https://{name}.{org.domain}"
            )
        topics = self._topics(forge, upstream[0] if upstream else theme[2], language, research)
        default_branch = "main" if created.year >= 2021 else "master"
        if rng.random() < 0.15:
            default_branch = rng.choice(("master", "main", "develop"))
        return RepositoryRecord(
            full_path=full_path,
            url=f"{forge.url}/{full_path}",
            name=name,
            description=description,
            default_branch=default_branch,
            is_fork=is_fork,
            is_archived=archived,
            is_template=not is_fork and rng.random() < 0.015,
            homepage=homepage,
            created_at=created,
            updated_at=updated,
            pushed_at=pushed,
            stars=stars,
            forks=forks,
            watchers=watchers,
            open_issues=issues,
            # A fork keeps its upstream's licence.
            license=upstream[3] if upstream else _choose(rng, LICENSES),
            language=language,
            languages=self._languages(language),
            topics=topics,
        )

    def _namespace(self, forge: DemoForge, account: str) -> str:
        rng = self.rng
        if forge.whole:
            namespace = rng.choice(self.namespaces[forge.host])
            if forge.kind == "gitlab" and rng.random() < 0.2:
                namespace = f"{namespace}/{rng.choice(SUBGROUPS)}"
            return namespace
        if forge.host == GITLAB and rng.random() < 0.25:
            # An unlisted sub-group of the account; never one that is itself listed, or
            # its repositories would belong to another organisation.
            sub = f"{account}/{rng.choice(SUBGROUPS)}"
            if sub.lower() not in self.listed[forge.host]:
                return sub
        return account

    def _name(
        self, theme: tuple[str, str, str], artifact: tuple[str, str, str], research: bool
    ) -> str:
        rng = self.rng
        slug, suffix = theme[2], artifact[2]
        if research:
            return rng.choice(
                (slug, f"py{slug}", f"{slug}-toolkit", f"{slug}-model", f"{slug}-sim")
            )
        return rng.choice((slug, f"{slug}-{suffix}", f"{suffix}-{slug}", f"{slug}-{suffix}"))

    def _unique_path(self, host: str, namespace: str, name: str) -> str:
        taken = self.paths[host]
        path = f"{namespace}/{name}"
        # Remember the last suffix given per base path: trying -2, -3… from the start
        # each time made big owners quadratic (minutes for a million repositories).
        n = self.suffixes.get((host, path.lower()), 1)
        candidate = path if n == 1 else f"{path}-{n}"
        while candidate.lower() in taken:
            n += 1
            candidate = f"{path}-{n}"
        self.suffixes[(host, path.lower())] = n
        taken.add(candidate.lower())
        return candidate

    def _description(
        self,
        theme: tuple[str, str, str],
        artifact: tuple[str, str, str],
        research: bool,
        language: str,
    ) -> str:
        rng = self.rng
        pick = rng.random()
        if pick < 0.12:
            return ""
        french = pick < 0.78
        if research:
            template = rng.choice(RESEARCH_FR if french else RESEARCH_EN)
        else:
            template = rng.choice(ADMIN_FR if french else ADMIN_EN)
        return template.format(
            artifact=artifact[0] if french else artifact[1],
            theme=theme[0] if french else theme[1],
            language=language or "Python",
        )

    def _dates(self, is_fork: bool) -> tuple[datetime, datetime, datetime, bool]:
        """Created, pushed, updated and archived; ages skew young, as public code grows."""
        rng = self.rng
        age = timedelta(days=rng.triangular(2, 15 * 365, 365), seconds=rng.randrange(86400))
        created = (self.now - age).replace(microsecond=0)
        archived = rng.random() < (0.06 if age.days < 3 * 365 else 0.18)
        # Where in its life the last push happened: late for live code, early for archives.
        share = rng.betavariate(1, 3) if archived or is_fork else rng.betavariate(2.5, 1)
        pushed = (created + (self.now - created) * share).replace(microsecond=0)
        updated = (pushed + (self.now - pushed) * rng.random() * 0.3).replace(microsecond=0)
        return created, pushed, updated, archived

    def _figures(
        self, forge: DemoForge, is_fork: bool, archived: bool
    ) -> tuple[int, int, int, int]:
        """Stars, forks, watchers and open issues, all on a long tail."""
        rng = self.rng
        scale = 2.0 if forge.host == GITHUB else 1.0 if forge.host == GITLAB else 0.4
        if is_fork:
            scale *= 0.2
        stars = min(25_000, int((rng.paretovariate(1.15) - 1) * scale))
        forks = int(stars * rng.uniform(0.05, 0.35) + (rng.paretovariate(2) - 1))
        watchers = int(stars**0.6) + rng.randint(0, 2)
        issues = 0 if archived else int((rng.paretovariate(1.6) - 1) * (1 + stars**0.5) / 2)
        return stars, forks, watchers, issues

    def _topics(self, forge: DemoForge, subject: str, language: str, research: bool) -> list[str]:
        rng = self.rng
        chance = 0.45 if forge.host == GITHUB else 0.25 if forge.host == GITLAB else 0.1
        if rng.random() >= chance:
            return []
        pool = [subject]
        if language:
            pool.append(language.lower().replace(" ", "-").replace("+", "p").replace("#", "sharp"))
        pool += rng.sample(RESEARCH_TOPICS if research else GENERIC_TOPICS, 3)
        topics = list(dict.fromkeys(pool))
        return topics[: rng.randint(1, len(topics))]

    def _languages(self, language: str) -> dict[str, int]:
        if not language:
            return {}
        rng = self.rng
        main = int(rng.lognormvariate(11, 1.6)) + 200
        result = {language: main}
        others = self.companions.get(language, ())
        for other in rng.sample(others, rng.randint(0, len(others))):
            result[other] = int(main * rng.uniform(0.005, 0.4)) + 1
        return result

    def _number(self, host: str, records: list[RepositoryRecord]) -> None:
        """Give native ids that grow with the creation date, as forges do; sort by them."""
        records.sort(key=lambda r: (r.created_at, r.full_path))
        rng = self.rng
        previous = 0
        for record in records:
            assert record.created_at is not None
            if host == GITHUB:
                days = (record.created_at - datetime(2008, 1, 1, tzinfo=UTC)).days
                value = days * days * 25 + rng.randrange(10_000)
            elif host == GITLAB:
                days = (record.created_at - datetime(2011, 1, 1, tzinfo=UTC)).days
                value = days * days + rng.randrange(1_000)
            else:
                value = previous + rng.randint(1, 6)
            previous = max(previous + 1, value)
            record.native_id = str(previous)
