"""SQLite with one writing transaction at a time per process.

SQLite allows one writer. Threads that meet its lock wait in SQLite's busy handler, which
sleeps in steps of 1, 2, 5 ... up to 100 ms: under concurrent writes most of the latency is
those naps. A process-wide lock around BEGIN IMMEDIATE ... COMMIT makes writers queue and wake
the moment the previous one commits. Readers are untouched (WAL). Across processes SQLite's
own lock still applies: run one `kefu serve` process on SQLite, or use PostgreSQL.
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_write_lock = threading.RLock()


class DatabaseWrapper(base.DatabaseWrapper):
    _kefu_holds_write_lock = False

    def _start_transaction_under_autocommit(self) -> None:
        _write_lock.acquire()
        self._kefu_holds_write_lock = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._kefu_release()
            raise

    def _set_autocommit(self, autocommit: bool) -> None:
        super()._set_autocommit(autocommit)
        if autocommit:
            self._kefu_release()  # the outermost atomic block ended: committed or rolled back

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._kefu_release()

    def _kefu_release(self) -> None:
        if self._kefu_holds_write_lock:
            self._kefu_holds_write_lock = False
            _write_lock.release()
