"""Lexical ranking moved into each search process (BM25F over an in-memory inverted index built
from the term columns), so the database-side full-text index of 0002 is dropped: the FTS5 table
and its triggers on SQLite, the tsvector column, its GIN index and its source on PostgreSQL.

Going back recreates them; on SQLite the FTS5 table is rebuilt from the term columns, on
PostgreSQL run `kefu kb reindex` afterwards to refill the tsvector source.
"""

import importlib

from django.db import migrations

lexical_0002 = importlib.import_module("kefu.knowledge.migrations.0002_lexical_index")

SQLITE_REBUILD = "INSERT INTO knowledge_search_fts(knowledge_search_fts) VALUES ('rebuild')"

_run = lexical_0002._run  # runs each vendor's statements


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_lexical_index")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": lexical_0002.SQLITE_DOWN, "postgresql": lexical_0002.POSTGRES_DOWN}),
            _run({"sqlite": [*lexical_0002.SQLITE_UP, SQLITE_REBUILD], "postgresql": lexical_0002.POSTGRES_UP}),
        ),
        migrations.RemoveField(model_name="searchdocument", name="tsv_source"),
    ]
