"""What an emulated repository holds: files, commits and tags, from its record alone.

:func:`plan_for` is pure and deterministic: the same record gives the same plan, so the
git repositories built from it (:mod:`communs.emulator.git`) have the same commit ids on
every run, and GitHub's GraphQL ``object(expression: "HEAD:")`` can list the root of a
repository without building it.

A plan holds a README, a LICENSE whose text names the record's licence (with its
``SPDX-License-Identifier``; the MIT text in full), a few source files and a dependency
manifest in the record's language, a CONTRIBUTING file for some, a ``publiccode.yml``
for some licensed ones, two to eight commits by distinct people between the record's
``created_at`` and ``pushed_at``, and release tags for some.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from communs.demo.generator import FIRST_NAMES, LAST_NAMES
from communs.emulator.world import stable_int
from communs.forges.records import RepositoryRecord
from communs.licences import GITHUB_LICENCES

# Titles of the licences GitHub does not detect, for the LICENSE files that carry them.
_EXTRA_TITLES = {
    "CECILL-B": "CeCILL-B Free Software License Agreement",
    "CECILL-C": "CeCILL-C Free Software License Agreement",
    "etalab-2.0": "Licence Ouverte / Open Licence version 2.0",
}
TITLES: dict[str, str] = {
    spdx: title for title, spdx in GITHUB_LICENCES.items() if spdx != "NOASSERTION"
} | _EXTRA_TITLES

MIT_TEXT = """MIT License

Copyright (c) {year} {holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

NOTICE_TEXT = """{title}

Copyright (c) {year} {holder}

SPDX-License-Identifier: {spdx}

This program is distributed under the terms of the {title}.
The full text of the licence is published at https://spdx.org/licenses/{spdx}.html
"""

OTHER_TEXT = """Conditions d'utilisation

Copyright (c) {year} {holder}

Ce logiciel est mis à disposition selon les conditions particulières convenues
avec {holder}. Toute réutilisation doit faire l'objet d'une demande préalable.
"""

# language -> (manifest path, manifest text, [(source path, source text)]); {pkg} is a
# module name made from the repository name, {name} the name itself.
_SOURCES: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "Python": (
        "pyproject.toml",
        '[project]\nname = "{name}"\nversion = "{version}"\nrequires-python = ">=3.10"\n'
        'dependencies = ["requests>=2.31", "pandas>=2.0"]\n',
        [
            ("src/{pkg}/__init__.py", '"""{title}."""\n\n__version__ = "{version}"\n'),
            (
                "src/{pkg}/core.py",
                "import requests\n\n\ndef fetch(url: str) -> dict:\n"
                "    return requests.get(url, timeout=10).json()\n",
            ),
            ("tests/test_core.py", "from {pkg} import core\n\n\ndef test_it_imports():\n"),
        ],
    ),
    "JavaScript": (
        "package.json",
        '{{\n  "name": "{name}",\n  "version": "{version}",\n  "main": "src/index.js",\n'
        '  "dependencies": {{\n    "express": "^4.19.2",\n    "axios": "^1.7.2"\n  }}\n}}\n',
        [("src/index.js", "const express = require('express');\nconst app = express();\n")],
    ),
    "TypeScript": (
        "package.json",
        '{{\n  "name": "{name}",\n  "version": "{version}",\n  "dependencies": {{\n'
        '    "react": "^18.3.1"\n  }},\n  "devDependencies": {{\n'
        '    "typescript": "^5.4.5"\n  }}\n}}\n',
        [
            ("src/index.ts", "export function main(): void {{\n  console.log('{name}');\n}}\n"),
            ("tsconfig.json", '{{\n  "compilerOptions": {{ "strict": true }}\n}}\n'),
        ],
    ),
    "Java": (
        "pom.xml",
        "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>fr.gouv</groupId>\n"
        "  <artifactId>{name}</artifactId>\n  <version>{version}</version>\n  <dependencies>\n"
        "    <dependency>\n      <groupId>org.springframework.boot</groupId>\n"
        "      <artifactId>spring-boot-starter-web</artifactId>\n"
        "      <version>3.2.5</version>\n    </dependency>\n  </dependencies>\n</project>\n",
        [
            (
                "src/main/java/fr/gouv/{pkg}/App.java",
                "package fr.gouv.{pkg};\n\npublic class App {{\n"
                "    public static void main(String[] args) {{ }}\n}}\n",
            )
        ],
    ),
    "PHP": (
        "composer.json",
        '{{\n  "name": "gouv/{name}",\n  "require": {{\n    "symfony/http-kernel": "^6.4"\n'
        "  }}\n}}\n",
        [("src/App.php", "<?php\n\nnamespace App;\n\nfinal class App\n{{\n}}\n")],
    ),
    "Go": (
        "go.mod",
        "module example.org/{name}\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n",
        [
            (
                "main.go",
                'package main\n\nimport "fmt"\n\nfunc main() {{\n\tfmt.Println("{name}")\n}}\n',
            )
        ],
    ),
    "Ruby": (
        "Gemfile",
        'source "https://rubygems.org"\n\ngem "rails", "~> 7.1"\n',
        [("lib/{pkg}.rb", "module {module}\n  VERSION = '{version}'\nend\n")],
    ),
    "Rust": (
        "Cargo.toml",
        '[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n\n'
        '[dependencies]\nserde = "1"\n',
        [("src/main.rs", 'fn main() {{\n    println!("{name}");\n}}\n')],
    ),
    "C": (
        "Makefile",
        "all: {pkg}\n\n{pkg}: src/main.c\n\tcc -o $@ $<\n",
        [("src/main.c", '#include <stdio.h>\n\nint main(void) {{ puts("{name}"); return 0; }}\n')],
    ),
    "C++": (
        "CMakeLists.txt",
        "cmake_minimum_required(VERSION 3.16)\nproject({pkg} CXX)\n"
        "add_executable({pkg} src/main.cpp)\n",
        [("src/main.cpp", '#include <iostream>\n\nint main() {{ std::cout << "{name}"; }}\n')],
    ),
    "R": (
        "DESCRIPTION",
        "Package: {pkg}\nVersion: {version}\nImports: dplyr, ggplot2\n",
        [("R/{pkg}.R", "#' {title}\nrun <- function(data) {{\n  dplyr::summarise(data)\n}}\n")],
    ),
    "Shell": (
        "Makefile",
        "install:\n\t./scripts/install.sh\n",
        [("scripts/install.sh", "#!/bin/sh\nset -eu\necho 'Installing {name}'\n")],
    ),
    "HTML": (
        "package.json",
        '{{\n  "name": "{name}",\n  "version": "{version}",\n  "dependencies": {{\n'
        '    "@gouvfr/dsfr": "^1.11.2"\n  }}\n}}\n',
        [("index.html", '<!doctype html>\n<html lang="fr"><title>{title}</title></html>\n')],
    ),
    "CSS": (
        "package.json",
        '{{\n  "name": "{name}",\n  "version": "{version}"\n}}\n',
        [("css/style.css", "body {{\n  font-family: Marianne, sans-serif;\n}}\n")],
    ),
    "Vue": (
        "package.json",
        '{{\n  "name": "{name}",\n  "version": "{version}",\n  "dependencies": {{\n'
        '    "vue": "^3.4.27"\n  }}\n}}\n',
        [("src/App.vue", "<template>\n  <h1>{title}</h1>\n</template>\n")],
    ),
    "Jupyter Notebook": (
        "requirements.txt",
        "numpy==1.26.4\nmatplotlib==3.8.4\njupyter==1.0.0\n",
        [("notebooks/analyse.ipynb", '{{"cells": [], "nbformat": 4, "nbformat_minor": 5}}\n')],
    ),
    "Kotlin": (
        "build.gradle.kts",
        'plugins {{\n    kotlin("jvm") version "1.9.24"\n}}\n',
        [("src/main/kotlin/Main.kt", 'fun main() {{\n    println("{name}")\n}}\n')],
    ),
    "C#": (
        "{module}.csproj",
        '<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n'
        '    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />\n'
        "  </ItemGroup>\n</Project>\n",
        [("Program.cs", 'System.Console.WriteLine("{name}");\n')],
    ),
    "Fortran": (
        "Makefile",
        "{pkg}: src/main.f90\n\tgfortran -o $@ $<\n",
        [("src/main.f90", "program main\n  print *, '{name}'\nend program main\n")],
    ),
    "OCaml": (
        "dune-project",
        "(lang dune 3.0)\n",
        [("bin/main.ml", 'let () = print_endline "{name}"\n')],
    ),
    "Julia": (
        "Project.toml",
        'name = "{module}"\nversion = "{version}"\n\n[deps]\n'
        'DataFrames = "a93c6f00-e57d-5684-b7b6-d8193f3e46c0"\n',
        [("src/{module}.jl", "module {module}\n\nend\n")],
    ),
    "TeX": (
        "Makefile",
        "all:\n\tlatexmk -pdf main.tex\n",
        [("main.tex", "\\documentclass{{article}}\n")],
    ),
    "Scala": (
        "build.sbt",
        'name := "{name}"\nscalaVersion := "3.4.1"\n',
        [("src/main/scala/Main.scala", '@main def run(): Unit = println("{name}")\n')],
    ),
    "Dart": (
        "pubspec.yaml",
        "name: {pkg}\nversion: {version}\ndependencies:\n  http: ^1.2.1\n",
        [("lib/main.dart", "void main() {{\n  print('{name}');\n}}\n")],
    ),
    "Swift": (
        "Package.swift",
        "// swift-tools-version:5.9\nimport PackageDescription\n\n"
        'let package = Package(name: "{module}")\n',
        [("Sources/{module}/main.swift", 'print("{name}")\n')],
    ),
}
_COMPANIONS = {
    "Dockerfile": ("Dockerfile", "FROM debian:bookworm-slim\nCOPY . /app\n"),
    "Makefile": ("Makefile", "all:\n\t@echo build\n"),
    "Shell": ("scripts/deploy.sh", "#!/bin/sh\nset -eu\n"),
}


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit: its message, author, date, and the whole tree at that commit."""

    message: str
    author: Person
    when: datetime
    files: dict[str, str]


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    commit: int
    when: datetime


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a repository holds; ``files`` is the tree of the last commit."""

    files: dict[str, str]
    commits: list[Commit]
    tags: list[Tag]
    branch: str

    def root_entries(self) -> list[tuple[str, str]]:
        """``(name, "blob" | "tree")`` at the root, sorted as git sorts them."""
        entries: dict[str, str] = {}
        for path in self.files:
            head, sep, _ = path.partition("/")
            entries[head] = "tree" if sep else "blob"
        return sorted(entries.items())

    @property
    def latest_tag(self) -> Tag | None:
        return self.tags[-1] if self.tags else None


def _module(name: str) -> tuple[str, str]:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w] or ["app"]
    pkg = "_".join(w.lower() for w in words)
    if pkg[0].isdigit():
        pkg = "p" + pkg
    return pkg, "".join(w.capitalize() for w in words)


def plan_for(record: RepositoryRecord) -> Plan:
    """The repository of ``record``: the same record always gives the same plan."""
    rng = random.Random(stable_int("content", record.full_path.lower(), record.native_id))
    pkg, module = _module(record.name)
    owner_top = (record.owner.split("/")[0] or "public").lower()
    holder = owner_top.replace("-", " ").title()
    created = record.created_at or datetime(2020, 1, 1)
    pushed = max(record.pushed_at or created, created)
    version = f"{rng.randint(0, 3)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"
    values = {
        "name": record.name,
        "pkg": pkg,
        "module": module,
        "title": record.description or record.name,
        "version": version,
    }

    people = _people(rng, owner_top)
    final: dict[str, str] = {"README.md": _readme(record, version)}
    licence = _licence_text(record.license, created.year, holder)
    if licence:
        final["LICENSE"] = licence
    stages: list[dict[str, str]] = [dict(final)]

    sources: dict[str, str] = {}
    language = record.language
    if language in _SOURCES:
        manifest, manifest_text, files = _SOURCES[language]
        sources[manifest.format(**values)] = manifest_text.format(**values)
        for path, text in files:
            sources[path.format(**values)] = text.format(**values)
    else:
        sources["docs/index.md"] = f"# {record.name}\n\n{record.description}\n"
    for other in record.languages:
        if other in _COMPANIONS and other != language:
            path, text = _COMPANIONS[other]
            sources.setdefault(path, text)
    final.update(sources)
    stages.append(dict(final))

    if rng.random() < 0.3 + min(record.stars, 100) / 200:
        final["CONTRIBUTING.md"] = _contributing(record)
    if record.license and record.license != "NOASSERTION" and rng.random() < 0.2:
        final["publiccode.yml"] = _publiccode(record, version, people[0])
    final["README.md"] = _readme(record, version, final=True)
    stages.append(dict(final))

    count = rng.randint(2, 8)
    # Intermediate commits touch the sources; the tree grows stage by stage.
    snapshots = [stages[min(i * len(stages) // count, len(stages) - 1)] for i in range(count)]
    snapshots[-1] = final
    span = (pushed - created).total_seconds()
    moments = sorted(created + timedelta(seconds=rng.random() * span) for _ in range(count - 2))
    moments = [created, *moments, pushed] if count >= 2 else [pushed]
    messages = _messages(rng, count)
    commits = [
        Commit(messages[i], people[i % len(people)], moments[i].replace(microsecond=0), snap)
        for i, snap in enumerate(snapshots)
    ]
    for i in range(len(commits) - 1):
        # Every commit changes something, or git would keep a tree identical to the last.
        if commits[i].files == commits[i + 1].files:
            files = dict(commits[i + 1].files)
            files["CHANGELOG.md"] = f"# Changelog\n\n- {commits[i + 1].message}\n"
            commits[i + 1] = Commit(
                commits[i + 1].message, commits[i + 1].author, commits[i + 1].when, files
            )
    final = commits[-1].files

    tags: list[Tag] = []
    if count >= 3 and rng.random() < 0.35:
        major = 0
        for index in range(1, count):
            if rng.random() < 0.5 or index == count - 1:
                minor = len(tags)
                tags.append(Tag(f"v{major}.{minor}.0", index, commits[index].when))
    return Plan(final, commits, tags, record.default_branch or "main")


def _people(rng: random.Random, domain: str) -> list[Person]:
    people: list[Person] = []
    for _ in range(rng.randint(1, 4)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        person = Person(f"{first.capitalize()} {last.capitalize()}", f"{first}.{last}@{domain}.fr")
        if person not in people:
            people.append(person)
    return people


def _messages(rng: random.Random, count: int) -> list[str]:
    verbs = ["Ajoute", "Corrige", "Met à jour", "Améliore", "Fix", "Update", "Refactor"]
    objects = ["la documentation", "les dépendances", "le traitement", "tests", "the API", "CI"]
    middle = [f"{rng.choice(verbs)} {rng.choice(objects)}" for _ in range(max(count - 1, 0))]
    return ["Premier commit", *middle][:count]


def _readme(record: RepositoryRecord, version: str, final: bool = False) -> str:
    lines = [f"# {record.name}", ""]
    if record.description:
        lines += [record.description, ""]
    if final:
        lines += ["## Installation", "", "Voir la documentation du projet.", ""]
        if record.license:
            lines += ["## Licence", "", f"{record.license}", ""]
        lines += [f"Version {version}.", ""]
    return "\n".join(lines)


def _licence_text(spdx: str, year: int, holder: str) -> str:
    if not spdx:
        return ""
    if spdx == "MIT":
        return MIT_TEXT.format(year=year, holder=holder)
    if spdx == "NOASSERTION":
        return OTHER_TEXT.format(year=year, holder=holder)
    return NOTICE_TEXT.format(title=TITLES.get(spdx, spdx), spdx=spdx, year=year, holder=holder)


def _contributing(record: RepositoryRecord) -> str:
    return (
        f"# Contribuer à {record.name}\n\n"
        "Les contributions sont les bienvenues : ouvrez un ticket avant une demande de fusion.\n"
    )


def _publiccode(record: RepositoryRecord, version: str, contact: Person) -> str:
    description = (record.description or record.name).replace('"', "'")
    long_text = (description + ". ") * (1 + 160 // (len(description) + 2))
    released = (record.pushed_at or record.created_at or datetime(2020, 1, 1)).date().isoformat()
    return (
        'publiccodeYmlVersion: "0.4"\n'
        f'name: "{record.name}"\n'
        f'url: "{record.url}"\n'
        f'softwareVersion: "{version}"\n'
        f'releaseDate: "{released}"\n'
        "platforms:\n  - web\n"
        "categories:\n  - data-collection\n"
        "developmentStatus: stable\n"
        'softwareType: "standalone/web"\n'
        "description:\n  fr:\n"
        f'    shortDescription: "{description[:140]}"\n'
        f'    longDescription: "{long_text.strip()}"\n'
        "    features:\n      - Consultation\n"
        f'legal:\n  license: "{record.license}"\n'
        "maintenance:\n  type: internal\n  contacts:\n"
        f'    - name: "{contact.name}"\n      email: "{contact.email}"\n'
        "localisation:\n  localisationReady: true\n  availableLanguages:\n    - fr\n"
    )
