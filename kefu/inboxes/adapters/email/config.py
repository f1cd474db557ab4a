"""An email inbox's settings: validated, with its mail server credentials encrypted at rest.

They live in `Inbox.config["email"]`:

    {"address": "support@lumen.example", "from_name": "Lumen Support", "brand": "Lumen Exchange",
     "acknowledge": true,
     "imap": {"host", "port", "security": "ssl|starttls|plain", "username",
              "auth": "password|xoauth2", "secret": <sealed>, "folders": ["INBOX"],
              "after_import": "flag|move", "move_to": "Kefu/Imported", "verify_tls": true},
     "smtp": {"host", "port", "security", "username", "auth", "secret": <sealed>, "verify_tls"}}

A password or OAuth2 token is given in clear once (`password`), encrypted at rest by
kefu.safety.crypto (Fernet under KEFU_ENCRYPTION_KEY, rotatable; else a key derived from
KEFU_SECRET_KEY), and never returned: `email_config_public` shows only that one is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kefu.core.errors import ValidationFailed
from kefu.safety.crypto import SecretUnreadable, secret_decrypt, secret_encrypt

SECURITY_MODES = ("ssl", "starttls", "plain")
AUTH_MODES = ("password", "xoauth2")
AFTER_IMPORT = ("flag", "move")
# The IMAP keyword set on every imported mail: a fetch skips mail carrying it, so a restarted
# poller resumes where it stopped. `$KefuFailed` marks mail that became a failure record.
KEYWORD_IMPORTED = "$KefuImported"
KEYWORD_FAILED = "$KefuFailed"

_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")
_ADDRESS = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}")
_FOLDER = re.compile(r"[^\x00-\x1f\"\\*%]{1,200}")


def secret_seal(value: str) -> str:
    # One place for secrets at rest: kefu.safety.crypto (KEFU_ENCRYPTION_KEY, rotatable keys).
    return secret_encrypt(value)


def secret_open(sealed: str) -> str:
    try:
        return secret_decrypt(sealed)
    except SecretUnreadable as exc:
        raise ValidationFailed(
            "the stored mail server password cannot be decrypted (was KEFU_ENCRYPTION_KEY or "
            "KEFU_SECRET_KEY changed?); enter it again",
            code="email_secret_unreadable",
        ) from exc


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str
    port: int
    security: str
    username: str
    auth: str
    secret: str  # sealed; `password()` opens it
    verify_tls: bool = True

    def password(self) -> str:
        return secret_open(self.secret) if self.secret else ""


@dataclass(frozen=True, slots=True)
class ImapSettings(ServerSettings):
    folders: tuple[str, ...] = ("INBOX",)
    after_import: str = "flag"
    move_to: str = ""


@dataclass(frozen=True, slots=True)
class EmailSettings:
    address: str
    from_name: str
    brand: str
    acknowledge: bool
    imap: ImapSettings | None
    smtp: ServerSettings | None

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()

    @property
    def local_part(self) -> str:
        return self.address.rpartition("@")[0]


def email_settings(config: dict[str, Any]) -> EmailSettings:
    """The settings of an email inbox's config (already validated when stored)."""
    data = config.get("email") or {}
    imap = data.get("imap")
    smtp = data.get("smtp")
    return EmailSettings(
        # Inboxes created before the transport kept the address at the top level.
        address=data.get("address") or config.get("address", ""),
        from_name=data.get("from_name", ""),
        brand=data.get("brand", ""),
        acknowledge=bool(data.get("acknowledge", True)),
        imap=ImapSettings(
            host=imap["host"],
            port=int(imap["port"]),
            security=imap["security"],
            username=imap.get("username", ""),
            auth=imap.get("auth", "password"),
            secret=imap.get("secret", ""),
            verify_tls=bool(imap.get("verify_tls", True)),
            folders=tuple(imap.get("folders") or ("INBOX",)),
            after_import=imap.get("after_import", "flag"),
            move_to=imap.get("move_to", ""),
        )
        if imap
        else None,
        smtp=ServerSettings(
            host=smtp["host"],
            port=int(smtp["port"]),
            security=smtp["security"],
            username=smtp.get("username", ""),
            auth=smtp.get("auth", "password"),
            secret=smtp.get("secret", ""),
            verify_tls=bool(smtp.get("verify_tls", True)),
        )
        if smtp
        else None,
    )


def email_config_clean(data: dict[str, Any], *, previous: dict[str, Any] | None = None) -> dict:
    """Validate settings given by an admin; seal passwords. Raises ValidationFailed.

    A blank `password` keeps the one already stored (forms never show it back).
    """
    if not isinstance(data, dict):
        raise ValidationFailed("email settings must be an object", field="email")
    previous = previous or {}
    address = str(data.get("address", "")).strip()
    if not _ADDRESS.fullmatch(address) or "+" in address.partition("@")[0]:
        raise ValidationFailed(
            "address must be the support mailbox's address, without a +tag", field="address"
        )
    out: dict[str, Any] = {
        "address": address,
        "from_name": str(data.get("from_name", "")).strip()[:120],
        "brand": str(data.get("brand", "")).strip()[:120],
        "acknowledge": bool(data.get("acknowledge", True)),
    }
    for kind, default_ports in (("imap", (993, 143)), ("smtp", (465, 587))):
        server = data.get(kind)
        if server in (None, {}):
            continue
        out[kind] = _server_clean(
            kind, server, previous=previous.get(kind) or {}, default_ports=default_ports
        )
    return out


def _server_clean(
    kind: str, data: Any, *, previous: dict[str, Any], default_ports: tuple[int, int]
) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed(f"{kind} settings must be an object", field=kind)
    host = str(data.get("host", "")).strip()
    if not _HOST.fullmatch(host):
        raise ValidationFailed(f"{kind}.host must be a host name or address", field=f"{kind}.host")
    security = str(data.get("security", "ssl"))
    if security not in SECURITY_MODES:
        raise ValidationFailed(
            f"{kind}.security must be one of {', '.join(SECURITY_MODES)}", field=f"{kind}.security"
        )
    port = data.get("port") or (default_ports[0] if security == "ssl" else default_ports[1])
    try:
        port = int(port)
    except (TypeError, ValueError):
        port = 0
    if not 0 < port < 65536:
        raise ValidationFailed(f"{kind}.port must be 1 to 65535", field=f"{kind}.port")
    auth = str(data.get("auth", "password"))
    if auth not in AUTH_MODES:
        raise ValidationFailed(
            f"{kind}.auth must be one of {', '.join(AUTH_MODES)}", field=f"{kind}.auth"
        )
    username = str(data.get("username", "")).strip()
    if len(username) > 255:
        raise ValidationFailed(f"{kind}.username is too long", field=f"{kind}.username")
    password = data.get("password")
    if password:
        secret = secret_seal(str(password))
    elif previous.get("host") == host and previous.get("username") == username:
        # Only kept for the same account: a password must not follow a changed server.
        secret = previous.get("secret", "")
    else:
        secret = ""
    if kind == "imap" and not (username and secret):
        raise ValidationFailed("imap needs a username and a password or token", field="imap")
    out: dict[str, Any] = {
        "host": host,
        "port": port,
        "security": security,
        "username": username,
        "auth": auth,
        "secret": secret,
        "verify_tls": bool(data.get("verify_tls", True)),
    }
    if kind == "imap":
        folders = data.get("folders") or ["INBOX"]
        if not isinstance(folders, list) or not all(
            isinstance(f, str) and _FOLDER.fullmatch(f) for f in folders
        ):
            raise ValidationFailed("imap.folders must be a list of folder names", field="folders")
        after = str(data.get("after_import", "flag"))
        if after not in AFTER_IMPORT:
            raise ValidationFailed(
                "imap.after_import must be flag or move", field="imap.after_import"
            )
        move_to = str(data.get("move_to", "")).strip()
        if after == "move" and not _FOLDER.fullmatch(move_to):
            raise ValidationFailed(
                "imap.move_to names the folder imported mail is moved to", field="imap.move_to"
            )
        out |= {"folders": list(dict.fromkeys(folders)), "after_import": after, "move_to": move_to}
    return out


def email_config_public(config: dict[str, Any]) -> dict[str, Any]:
    """The settings as admins and the API see them: secrets replaced by whether one is set."""
    data = dict(config.get("email") or {})
    for kind in ("imap", "smtp"):
        if isinstance(data.get(kind), dict):
            server = dict(data[kind])
            server["password_set"] = bool(server.pop("secret", ""))
            data[kind] = server
    return data
