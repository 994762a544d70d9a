"""The classifier's verdict on one request: plain frozen values shared by the gateway and the CLI.

`Scores` is what the policy reads. It lives in its own module so that the router can type against
it without importing the model code (numpy, skops) at import time.
"""

from __future__ import annotations

from dataclasses import dataclass

# Entity types whose mere presence makes a request sensitive, whatever the score threshold says:
# validated structured data (a checksum or a format leaves no doubt) and secrets.
HARD_ENTITY_TYPES = frozenset(
    {"CREDIT_CARD", "US_SSN", "US_ITIN", "NATIONAL_ID", "IBAN", "SECRET", "PRIVATE_KEY",
     "API_KEY", "PASSWORD"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entity:
    """A span of sensitive data: `start`/`end` are offsets into the text of message `message`
    (its index in the request's messages; -1 when a plain text was scored)."""

    type: str
    start: int
    end: int
    message: int = -1


@dataclass(frozen=True, slots=True)
class Scores:
    """Difficulty = P(the small tier falls short of the frontier); sensitivity in [0, 1]."""

    difficulty: float
    sensitivity: float
    entities: tuple[Entity, ...] = ()

    @property
    def hard_entity(self) -> bool:
        """True when a validated structured entity or a secret was found."""
        return any(e.type in HARD_ENTITY_TYPES for e in self.entities)
