"""The search index: entry tables, and the words beside them on each backend.

SQLite keeps each kind's words in an FTS5 table, ``search_<kind>_fts``, whose rowid is
the entry's id; accents are folded by the ``unicode61 remove_diacritics 2`` tokenizer.
PostgreSQL keeps them in a ``document`` tsvector column of the entry table, under a GIN
index, with ``unaccent`` for accents and ``pg_trgm`` over a table of known words
(``search_word``) for near matches. The SQL is written out here, not imported, so that
this migration stays what it was when it ran.
"""

import django.db.models.deletion

import communs.search.models
from django.db import migrations, models

REPOSITORY_FTS_COLUMNS = "name, path, description, topics, language, organisation"
# bm25 weight of each column above, in order: a word in the name counts most.
REPOSITORY_FTS_WEIGHTS = "10.0, 4.0, 1.0, 3.0, 2.0, 2.0"

SQLITE = [
    "CREATE VIRTUAL TABLE search_repository_fts USING fts5("
    f"{REPOSITORY_FTS_COLUMNS}, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    "INSERT INTO search_repository_fts (search_repository_fts, rank) "
    f"VALUES ('rank', 'bm25({REPOSITORY_FTS_WEIGHTS})')",
    "CREATE VIRTUAL TABLE search_organisation_fts USING fts5("
    "name, description, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    "INSERT INTO search_organisation_fts (search_organisation_fts, rank) "
    "VALUES ('rank', 'bm25(5.0, 1.0)')",
    # SQLite sorts NULL first, so DESC puts unknown dates last, as the pages want.
    "CREATE INDEX search_repo_pushed ON search_repository (pushed_at DESC, id DESC)",
    "CREATE INDEX search_repo_created ON search_repository (created_at DESC, id DESC)",
]
SQLITE_REVERSE = [
    "DROP TABLE search_repository_fts",
    "DROP TABLE search_organisation_fts",
    "DROP INDEX search_repo_pushed",
    "DROP INDEX search_repo_created",
]

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_repository ADD COLUMN document tsvector",
    "CREATE INDEX search_repo_document ON search_repository USING gin (document)",
    "ALTER TABLE search_organisation ADD COLUMN document tsvector",
    "CREATE INDEX search_org_document ON search_organisation USING gin (document)",
    "CREATE TABLE search_word (word text PRIMARY KEY)",
    "CREATE INDEX search_word_trigram ON search_word USING gin (word gin_trgm_ops)",
    "CREATE INDEX search_repo_pushed ON search_repository (pushed_at DESC NULLS LAST, id DESC)",
    "CREATE INDEX search_repo_created ON search_repository (created_at DESC NULLS LAST, id DESC)",
]
POSTGRESQL_REVERSE = [
    "DROP TABLE search_word",
    "DROP INDEX search_repo_pushed",
    "DROP INDEX search_repo_created",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


create_text_indexes = _run({"sqlite": SQLITE, "postgresql": POSTGRESQL})
drop_text_indexes = _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE})


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('repositories', '0001_initial'),
        ('sources', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='OrganisationEntry',
            fields=[
                ('organisation', communs.search.models.RowIdOneToOneField(db_column='id', on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_entry', serialize=False, to='sources.organisation')),
            ],
            options={
                'verbose_name': 'organisation search entry',
                'verbose_name_plural': 'organisation search entries',
                'db_table': 'search_organisation',
            },
        ),
        migrations.CreateModel(
            name='RepositoryEntry',
            fields=[
                ('repository', communs.search.models.RowIdOneToOneField(db_column='id', on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_entry', serialize=False, to='repositories.repository')),
                ('forge_id', models.BigIntegerField()),
                ('account_id', models.BigIntegerField(null=True)),
                ('language', models.CharField(blank=True, max_length=100)),
                ('license', models.CharField(blank=True, max_length=200)),
                ('free_license', models.BooleanField(default=False)),
                ('is_fork', models.BooleanField(null=True)),
                ('is_archived', models.BooleanField(default=False)),
                ('is_template', models.BooleanField(default=False)),
                ('gone', models.BooleanField(default=False)),
                ('has_publiccode', models.BooleanField(null=True)),
                ('has_contributing', models.BooleanField(null=True)),
                ('flags', models.PositiveSmallIntegerField(default=0)),
                ('stars', models.PositiveIntegerField(default=0)),
                ('forks', models.PositiveIntegerField(default=0)),
                ('pushed_at', models.DateTimeField(null=True)),
                ('created_at', models.DateTimeField(null=True)),
                ('name_key', models.CharField(max_length=255)),
            ],
            options={
                'verbose_name': 'repository search entry',
                'verbose_name_plural': 'repository search entries',
                'db_table': 'search_repository',
                'indexes': [models.Index(fields=['-stars', '-repository'], name='search_repo_stars'), models.Index(fields=['-forks', '-repository'], name='search_repo_forks'), models.Index(fields=['name_key', 'repository'], name='search_repo_name'), models.Index(fields=['language', 'license', 'forge_id', 'account_id', 'flags', 'pushed_at', 'gone'], name='search_repo_values'), models.Index(fields=['account_id', 'forge_id', 'language', 'license', 'flags', 'pushed_at', 'gone'], name='search_repo_owners'), models.Index(fields=['flags', 'pushed_at', 'gone', 'language', 'license', 'forge_id', 'account_id'], name='search_repo_flags')],
            },
        ),
        migrations.RunPython(create_text_indexes, drop_text_indexes, elidable=False),
    ]
