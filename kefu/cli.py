"""The `kefu` command: Django's management commands under kefu's names.

kefu serve | worker | migrate | demo | createagent | token | check | <any manage.py command>
"""

from __future__ import annotations

import os
import sys

# kefu's names for commands whose Django name differs (Django's `check` is kept as `djcheck`).
ALIASES = {"check": "doctor", "djcheck": "check", "worker": "db_worker"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kefu", *args[1:]])


if __name__ == "__main__":
    main()
