"""Database helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def install_sqlite_tuning() -> None:
    """Nothing to do at import; SQLite pragmas are set per connection via init_command."""
    return


def counter_next(*, key: str, start: int = 1) -> int:
    """Atomically take the next value of a named counter, inside the caller's transaction.

    The UPDATE takes a row lock (PostgreSQL) or the write lock (SQLite) held until commit, so
    values come out in commit order and a rolled-back transaction gives its value back.
    """
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO core_counter (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = core_counter.value + 1 RETURNING value",
            [key, start],
        )
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


def sequence_next(*, name: str, start: int = 1) -> int:
    """The next value of a named sequence, without holding a lock until commit.

    PostgreSQL: a real SEQUENCE `kefu_seq_<name>`, created by a migration (nextval never
    blocks; a rolled-back transaction leaves a gap, which human ids tolerate). SQLite
    serializes writers anyway, so the counter table serves there.
    """
    if connection.vendor != "postgresql":
        return counter_next(key=name, start=start)
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(%s)", [f"kefu_seq_{name}"])
        row = cur.fetchone()
    assert row is not None
    return int(row[0])
