"""Database helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.db import connection


def row_read(
    model: Any,
    value: Any,
    *,
    column: str = "id",
    where: str = "",
    params: tuple[Any, ...] = (),
    lock: str = "",
) -> Any:
    """One row of `model` whose `column` equals `value` (and `where`, with `params`), as a
    model instance, or None. One plain statement, for hot paths where building the ORM's query
    cost more than running it.

    `lock`: "update" (`FOR UPDATE`) or "skip_locked" (`FOR UPDATE SKIP LOCKED`: None when
    another transaction holds the row). SQLite has neither and serializes writers instead.
    """
    if column == "id":
        field = model._meta.pk
    else:
        field = model._meta.get_field(column.removesuffix("_id")).target_field
    suffix = ""
    if lock == "skip_locked" and connection.features.has_select_for_update_skip_locked:
        suffix = " FOR UPDATE SKIP LOCKED"
    elif lock and connection.features.has_select_for_update:
        suffix = " FOR UPDATE"
    rows = list(
        model.objects.raw(
            f"SELECT * FROM {model._meta.db_table} WHERE {column} = %s{where}{suffix}",  # noqa: S608 - names from model meta, values as parameters
            [field.get_db_prep_value(value, connection), *params],
        )
    )
    return rows[0] if rows else None


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
