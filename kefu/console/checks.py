"""The console's front-end libraries come from npm; without them the console cannot work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def frontend_libraries_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    missing = [
        str(Path(path))
        for _prefix, path in settings.STATICFILES_DIRS
        if not (Path(path).is_dir() and any(Path(path).iterdir()))
    ]
    if not missing:
        return []
    return [
        Error(
            f"front-end libraries are missing: {', '.join(missing)}",
            hint="run `npm ci` in the repository root (`make venv` does it); it installs the "
            "pinned versions from package-lock.json",
            id="console.E001",
        )
    ]
