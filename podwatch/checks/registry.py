"""The checks' registry: what a check sees (`Subject`) and how a check is registered under its name.

Check modules import this; nothing here imports a check, so any module may look a name up
without loading numpy or a font (catalog.py loads them all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from podwatch.config.order import Order
from podwatch.config.rule import Rule
from podwatch.findings import Finding

if TYPE_CHECKING:
    from podwatch.background import Removal
    from podwatch.checks.blocklist import Blocklist
    from podwatch.prepress.loading import LoadedImage
    from podwatch.text.fields import FieldText


@dataclass(frozen=True)
class Subject:
    """What every check may look at; checks never move or write files."""

    artwork: LoadedImage | None  # after background removal; None for a name-only order (text checks only)
    rule: Rule
    order: Order
    _: KW_ONLY  # what only some steps provide is always named
    removal: Removal | None = None  # what the background step did, if it ran
    text: tuple[FieldText, ...] = ()  # the rule's text fields for this order, laid out once by the pipeline
    # The seller's blocked terms and pictures, built once per run; None: podwatch's own terms only.
    blocklist: Blocklist | None = None
    # Work the checks share for this one upload (a reduced copy of a 24 MP picture is made once).
    scratch: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def picture(self) -> LoadedImage:
        """The upload, for the checks that look at one: the catalog runs those only when there is one."""
        if self.artwork is None:
            raise ValueError("this check needs an upload; register it with needs_artwork=True")
        return self.artwork


Check = Callable[[Subject], Iterable[Finding]]
REGISTRY: dict[str, Check] = {}
TEXT_ONLY: set[str] = set()  # checks that read only the buyer's text: they also run without an upload


def register(name: str, fn: Check, *, needs_artwork: bool = True) -> None:
    """Register `fn` as the check `name`, the name a rule uses in `[checks] disabled`.
    `needs_artwork=False` marks a check that never looks at the upload.

    Called after the check is defined, not used as a decorator: mutmut (`make mutate`) leaves
    decorated functions unmutated, and the checks are where a silent bug costs a seller money."""
    if name in REGISTRY:
        raise ValueError(f"check {name!r} registered twice")
    REGISTRY[name] = fn
    if not needs_artwork:
        TEXT_ONLY.add(name)
