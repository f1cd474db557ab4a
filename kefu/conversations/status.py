"""The conversation status machine. Every change of status goes through `transition_check`."""

from __future__ import annotations

from kefu.conversations.models import Status

# A closed conversation is final: a new customer message opens a new conversation.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.OPEN: frozenset({Status.PENDING, Status.SNOOZED, Status.RESOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.SNOOZED, Status.RESOLVED}),
    Status.SNOOZED: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class IllegalTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none (closed is final)"
        article = "an" if current[0] in "aeiou" else "a"
        super().__init__(
            f"{article} {current} conversation cannot become {target}; allowed: {allowed}"
        )
        self.current = current
        self.target = target


def transition_check(current: str, target: str) -> None:
    if target not in TRANSITIONS:
        raise ValueError(f"unknown status {target!r}")
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
