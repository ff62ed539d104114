"""Dependency manifests of every ecosystem, read into package URLs with constraint and scope."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from communs.analysis import analyse_tree
from communs.analysis.manifests import ManifestError, parse_pom

Tree = Callable[[dict[str, str | bytes]], Path]


def _deps(root: Path) -> list[tuple[str, str, str, str]]:
    return [(d.purl, d.constraint, d.scope, d.manifest) for d in analyse_tree(root).dependencies]


def test_it_reads_npm(tree: Tree) -> None:
    root = tree(
        {
            "package.json": '{"name": "x", "dependencies": {"left-pad": "1.3.0", '
            '"@angular/core": "^17.0.0"}, "devDependencies": {"jest": "~29.7"}, '
            '"optionalDependencies": {"fsevents": "*"}}'
        }
    )

    assert _deps(root) == [
        ("pkg:npm/left-pad@1.3.0", "1.3.0", "runtime", "package.json"),
        ("pkg:npm/%40angular/core", "^17.0.0", "runtime", "package.json"),
        ("pkg:npm/fsevents", "*", "optional", "package.json"),
        ("pkg:npm/jest", "~29.7", "dev", "package.json"),
    ]


def test_it_reads_requirements_files(tree: Tree) -> None:
    root = tree(
        {
            "requirements.txt": "# pinned\nDjango==5.2.1 --hash=sha256:abc\nrequests[socks]>=2.31"
            " ; python_version >= '3.9'\n-r base.txt\n-e .\nhttps://x.org/p.whl\n"
            "Pillow  # images\n",
            "requirements-dev.txt": "pytest>=8\n",
            "requirements/docs.txt": "sphinx\n",
        }
    )

    # Files come in name order, a folder's files before its subfolders'.
    assert _deps(root) == [
        ("pkg:pypi/pytest", ">=8", "dev", "requirements-dev.txt"),
        ("pkg:pypi/django@5.2.1", "==5.2.1", "runtime", "requirements.txt"),
        ("pkg:pypi/requests", ">=2.31", "runtime", "requirements.txt"),
        ("pkg:pypi/pillow", "", "runtime", "requirements.txt"),
        ("pkg:pypi/sphinx", "", "dev", "requirements/docs.txt"),
    ]


def test_it_reads_pyproject_pep621_pep735_and_poetry(tree: Tree) -> None:
    root = tree(
        {
            "pyproject.toml": '[project]\ndependencies = ["httpx>=0.27", "attrs"]\n'
            '[project.optional-dependencies]\ntest = ["pytest"]\nyaml = ["ruamel.yaml"]\n'
            '[dependency-groups]\nlint = ["ruff"]\n'
            '[tool.poetry.dependencies]\npython = "^3.11"\nFlask = "2.3.3"\n'
            'numpy = {version = "^1.26", optional = true}\n'
            '[tool.poetry.group.dev.dependencies]\nblack = "^24"\n'
        }
    )

    assert _deps(root) == [
        ("pkg:pypi/httpx", ">=0.27", "runtime", "pyproject.toml"),
        ("pkg:pypi/attrs", "", "runtime", "pyproject.toml"),
        ("pkg:pypi/pytest", "", "dev", "pyproject.toml"),
        ("pkg:pypi/ruamel.yaml", "", "optional", "pyproject.toml"),
        ("pkg:pypi/ruff", "", "dev", "pyproject.toml"),
        ("pkg:pypi/flask@2.3.3", "2.3.3", "runtime", "pyproject.toml"),
        ("pkg:pypi/numpy", "^1.26", "optional", "pyproject.toml"),
        ("pkg:pypi/black", "^24", "dev", "pyproject.toml"),
    ]


def test_it_reads_pipfile_and_setup_cfg(tree: Tree) -> None:
    root = tree(
        {
            "Pipfile": '[packages]\ndjango = "==4.2"\nrequests = "*"\n[dev-packages]\n'
            'pytest = {version = ">=7"}\n',
            "lib/setup.cfg": "[options]\ninstall_requires =\n    click>=8\n    rich\n"
            "setup_requires = setuptools_scm\n[options.extras_require]\ntesting = pytest-cov\n",
        }
    )

    assert _deps(root) == [
        ("pkg:pypi/django@4.2", "==4.2", "runtime", "Pipfile"),
        ("pkg:pypi/requests", "", "runtime", "Pipfile"),
        ("pkg:pypi/pytest", ">=7", "dev", "Pipfile"),
        ("pkg:pypi/click", ">=8", "runtime", "lib/setup.cfg"),
        ("pkg:pypi/rich", "", "runtime", "lib/setup.cfg"),
        ("pkg:pypi/setuptools-scm", "", "build", "lib/setup.cfg"),
        ("pkg:pypi/pytest-cov", "", "dev", "lib/setup.cfg"),
    ]


POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <groupId>fr.gouv.x</groupId><artifactId>app</artifactId><version>2.0</version>
  <properties><spring.version>6.1.2</spring.version></properties>
  <dependencies>
    <dependency><groupId>org.springframework</groupId><artifactId>spring-core</artifactId>
      <version>${spring.version}</version></dependency>
    <dependency><groupId>${project.groupId}</groupId><artifactId>common</artifactId>
      <version>[1.0,2.0)</version></dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId>
      <version>4.13.2</version><scope>test</scope></dependency>
  </dependencies>
  <dependencyManagement><dependencies><dependency><groupId>managed</groupId>
    <artifactId>only</artifactId><version>1</version></dependency></dependencies>
  </dependencyManagement>
</project>
"""


def test_it_reads_maven_with_properties_and_scopes(tree: Tree) -> None:
    root = tree({"pom.xml": POM})

    assert _deps(root) == [
        ("pkg:maven/org.springframework/spring-core@6.1.2", "6.1.2", "runtime", "pom.xml"),
        ("pkg:maven/fr.gouv.x/common", "[1.0,2.0)", "runtime", "pom.xml"),
        ("pkg:maven/junit/junit@4.13.2", "4.13.2", "dev", "pom.xml"),
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        "<project><dependencies/></project>",
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<project>&x;</project>",
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_it_refuses_xml_entities_in_a_pom(hostile: str, tree: Tree) -> None:
    with pytest.raises(ManifestError, match="refused"):
        parse_pom(hostile, "pom.xml")
    analysis = analyse_tree(tree({"pom.xml": hostile}))
    assert analysis.dependencies == []
    assert [(s.path, s.reason) for s in analysis.skipped] == [
        ("pom.xml", "manifest not read: document type and entity declarations are refused")
    ]


def test_it_reads_gradle_dependency_lines(tree: Tree) -> None:
    root = tree(
        {
            "build.gradle": "dependencies {\n"
            "    implementation 'com.google.guava:guava:33.0.0-jre'\n"
            '    testImplementation "junit:junit:4.13.2"\n'
            "    compileOnly group: 'org.projectlombok', name: 'lombok', version: '1.18.30'\n"
            '    implementation "org.x:y:$yVersion"\n}\n',
            "app/build.gradle.kts": "dependencies {\n"
            '    api("io.ktor:ktor-server-core:2.3.7")\n}\n',
        }
    )

    assert _deps(root) == [
        ("pkg:maven/com.google.guava/guava@33.0.0-jre", "33.0.0-jre", "runtime", "build.gradle"),
        ("pkg:maven/junit/junit@4.13.2", "4.13.2", "dev", "build.gradle"),
        ("pkg:maven/org.projectlombok/lombok@1.18.30", "1.18.30", "build", "build.gradle"),
        ("pkg:maven/org.x/y", "$yVersion", "runtime", "build.gradle"),
        ("pkg:maven/io.ktor/ktor-server-core@2.3.7", "2.3.7", "runtime", "app/build.gradle.kts"),
    ]


def test_it_reads_composer_cargo_and_go(tree: Tree) -> None:
    root = tree(
        {
            "composer.json": '{"require": {"php": ">=8.1", "ext-json": "*", '
            '"symfony/console": "^6.4"}, "require-dev": {"phpunit/phpunit": "10.5.0"}}',
            "Cargo.toml": '[dependencies]\nserde = { version = "1.0", features = ["derive"] }\n'
            'log = "=0.4.20"\nrenamed = { package = "tokio", version = "1" }\n'
            '[dev-dependencies]\ninsta = "1.34"\n[build-dependencies]\ncc = "1"\n',
            "go.mod": "module example.org/app\n\ngo 1.22\n\nrequire (\n"
            "\tgithub.com/stretchr/testify v1.9.0\n\tgolang.org/x/net v0.20.0 // indirect\n)\n"
            "require gopkg.in/yaml.v3 v3.0.1\n",
        }
    )

    assert _deps(root) == [
        ("pkg:cargo/serde", "1.0", "runtime", "Cargo.toml"),
        ("pkg:cargo/log@0.4.20", "=0.4.20", "runtime", "Cargo.toml"),
        ("pkg:cargo/tokio", "1", "runtime", "Cargo.toml"),
        ("pkg:cargo/insta", "1.34", "dev", "Cargo.toml"),
        ("pkg:cargo/cc", "1", "build", "Cargo.toml"),
        ("pkg:composer/symfony/console", "^6.4", "runtime", "composer.json"),
        ("pkg:composer/phpunit/phpunit@10.5.0", "10.5.0", "dev", "composer.json"),
        ("pkg:golang/github.com/stretchr/testify@v1.9.0", "v1.9.0", "runtime", "go.mod"),
        ("pkg:golang/golang.org/x/net@v0.20.0", "v0.20.0", "runtime", "go.mod"),
        ("pkg:golang/gopkg.in/yaml.v3@v3.0.1", "v3.0.1", "runtime", "go.mod"),
    ]


def test_it_reads_gemfile_groups_and_gemspecs(tree: Tree) -> None:
    root = tree(
        {
            "Gemfile": "source 'https://rubygems.org'\ngem 'rails', '~> 7.1', '>= 7.1.2'\n"
            "gem 'pg', '1.5.4'\ngroup :development, :test do\n  gem 'rspec-rails'\nend\n"
            "platforms :jruby do\n  gem 'jruby-openssl'\nend\ngem 'rubocop', group: :development\n",
            "lib.gemspec": "Gem::Specification.new do |spec|\n"
            "  spec.add_dependency 'nokogiri', '~> 1.16'\n"
            "  spec.add_development_dependency('rake')\nend\n",
        }
    )

    assert _deps(root) == [
        ("pkg:gem/rails", "~> 7.1, >= 7.1.2", "runtime", "Gemfile"),
        ("pkg:gem/pg@1.5.4", "1.5.4", "runtime", "Gemfile"),
        ("pkg:gem/rspec-rails", "", "dev", "Gemfile"),
        ("pkg:gem/jruby-openssl", "", "runtime", "Gemfile"),
        ("pkg:gem/rubocop", "", "dev", "Gemfile"),
        ("pkg:gem/nokogiri", "~> 1.16", "runtime", "lib.gemspec"),
        ("pkg:gem/rake", "", "dev", "lib.gemspec"),
    ]


def test_it_says_which_manifest_it_could_not_read_and_goes_on(tree: Tree) -> None:
    root = tree(
        {
            "package.json": "{not json",
            "pyproject.toml": "[project\n",
            "web/package.json": '{"dependencies": {"vue": "^3.4"}}',
        }
    )

    analysis = analyse_tree(root)

    assert [d.purl for d in analysis.dependencies] == ["pkg:npm/vue"]
    reasons = {item.path: item.reason for item in analysis.skipped}
    assert reasons["package.json"].startswith("manifest not read: not valid JSON")
    assert reasons["pyproject.toml"].startswith("manifest not read: not valid TOML")


def test_it_leaves_vendored_manifests_and_lock_files_out(tree: Tree) -> None:
    root = tree(
        {
            "node_modules/x/package.json": '{"dependencies": {"hidden": "1.0.0"}}',
            "package-lock.json": '{"dependencies": {"locked": {"version": "1.0.0"}}}',
            "package.json": '{"dependencies": {"seen": "^1"}}',
        }
    )

    assert [d.purl for d in analyse_tree(root).dependencies] == ["pkg:npm/seen"]
