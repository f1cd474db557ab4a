"""The lexical index beside knowledge_searchdocument, one per database engine.

SQLite: an FTS5 table over the document's pre-tokenized term columns (external content, so the
text is stored once), kept in step by triggers: any insert, update or delete of a document
(including `flush`) updates the index in the same transaction.

PostgreSQL: a stored generated tsvector column built from the weighted literal the application
writes (`tsv_source`), with a GIN index. The literal is parsed without a text-search parser or
dictionary, so CJK bigrams and other terms survive whatever the database locale is.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE knowledge_search_fts USING fts5(
        title_terms, keyword_terms, body_terms,
        content='knowledge_searchdocument', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER knowledge_search_fts_ai AFTER INSERT ON knowledge_searchdocument BEGIN
        INSERT INTO knowledge_search_fts(rowid, title_terms, keyword_terms, body_terms)
        VALUES (new.id, new.title_terms, new.keyword_terms, new.body_terms);
    END""",
    """CREATE TRIGGER knowledge_search_fts_ad AFTER DELETE ON knowledge_searchdocument BEGIN
        INSERT INTO knowledge_search_fts(knowledge_search_fts, rowid, title_terms, keyword_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.keyword_terms, old.body_terms);
    END""",
    """CREATE TRIGGER knowledge_search_fts_au AFTER UPDATE OF title_terms, keyword_terms, body_terms
        ON knowledge_searchdocument BEGIN
        INSERT INTO knowledge_search_fts(knowledge_search_fts, rowid, title_terms, keyword_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.keyword_terms, old.body_terms);
        INSERT INTO knowledge_search_fts(rowid, title_terms, keyword_terms, body_terms)
        VALUES (new.id, new.title_terms, new.keyword_terms, new.body_terms);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS knowledge_search_fts_au",
    "DROP TRIGGER IF EXISTS knowledge_search_fts_ad",
    "DROP TRIGGER IF EXISTS knowledge_search_fts_ai",
    "DROP TABLE IF EXISTS knowledge_search_fts",
]
POSTGRES_UP = [
    "ALTER TABLE knowledge_searchdocument ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (tsv_source::tsvector) STORED",
    "CREATE INDEX knowledge_searchdocument_tsv ON knowledge_searchdocument USING gin (tsv)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS knowledge_searchdocument_tsv",
    "ALTER TABLE knowledge_searchdocument DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
