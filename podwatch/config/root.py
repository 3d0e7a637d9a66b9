"""The seller's folder tree: where each folder is, and making it."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from podwatch.config.names import sanitize
from podwatch.config.settings import SETTINGS_TEMPLATE
from podwatch.errors import ConfigError
from podwatch.frozen import typed_command

SETTINGS_FILE = "podwatch.toml"
SEATS = ("inbox", "review", "approved", "rejected", "production", "failed", "archive", "blocklist", "previews")


BLOCKED_TERMS_TEMPLATE = """\
# Words podwatch flags for you when it finds them in an order: in the buyer's
# text, the upload's file name, the order's instructions or the picture's
# metadata. They add to podwatch's own list of often-enforced brands and
# characters (Disney, Pokémon, NFL, Nike, Taylor Swift ...). A flagged order
# waits in review/ with a warning; you decide.
#
# One term per line. Lines starting with # are notes.
#   Case and accents do not matter:      pokemon   finds "Pokémon", "POKEMON"
#   Whole words only:                    Nike      does not find "Nikeisha"
#   Spaces, hyphens or none between:     Star Wars finds "Star-Wars", "starwars"
#   A * at the end for longer words:     Disney*   also finds "Disneyland"
#   A ! in front drops one of podwatch's own terms (you hold a licence):
#                                        !Hello Kitty
#
# Product-specific terms go in the rule file: [checks] blocked_terms = ["..."].
# Pictures you must never print go in the blocklist/ folder beside this file.

"""


def _user_state_dir() -> str:
    import platformdirs

    return platformdirs.user_state_dir("podwatch", appauthor=False)


@dataclass(frozen=True)
class Root:
    """The seller's folder tree: the folders of the design plus podwatch's hidden state."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(os.path.abspath(self.path)))

    inbox = property(lambda self: self.path / "inbox")
    review = property(lambda self: self.path / "review")
    # Buyer previews to send before printing; beside review/, not in it, so review/ holds only
    # what waits for the seller's decision (and a preview cannot be approved by mistake).
    previews = property(lambda self: self.path / "previews")
    approved = property(lambda self: self.path / "approved")
    rejected = property(lambda self: self.path / "rejected")
    production = property(lambda self: self.path / "production")
    failed = property(lambda self: self.path / "failed")
    archive = property(lambda self: self.path / "archive")
    rules = property(lambda self: self.path / "rules")
    # Pictures and words the seller must never print unseen (see checks/risk.py).
    blocklist = property(lambda self: self.path / "blocklist")
    blocked_terms = property(lambda self: self.path / "blocked_terms.txt")
    state = property(lambda self: self.path / ".podwatch")
    # Print files waiting for approval: they travel with the folder to another computer.
    pending = property(lambda self: self.state / "pending")
    # One readable JSON per order (items, decisions, events): the ledger is rebuilt from them.
    records = property(lambda self: self.state / "records")
    # Orders taken out of the inbox, with their claim.json and the finished outputs waiting to be
    # placed. In the tree, on purpose: a claim is an atomic rename out of the inbox (one disk), and a
    # computer taking over the folder finishes the claims of the one before it (README, "Two
    # computers, one folder"). Files are only renamed in, whole; nothing is written here over time.
    claims = property(lambda self: self.state / "claims")
    # Where an older podwatch kept its claims (and wrote its outputs): finished from there.
    legacy_claims = property(lambda self: self.state / "work")
    # Where an older podwatch kept the ledger, inside the synced tree.
    legacy_ledger = property(lambda self: self.state / "ledger.sqlite3")

    @property
    def local(self) -> Path:
        """This computer's own state for this folder, where no sync client replaces a file while it
        is open: `$PODWATCH_STATE_HOME/<folder>-<hash>`, by default the OS's per-user state folder."""
        base = os.environ.get("PODWATCH_STATE_HOME") or _user_state_dir()
        key = hashlib.sha256(os.fsencode(self.path)).hexdigest()[:12]
        return Path(base) / f"{sanitize(self.path.name, fallback='pod')}-{key}"

    @property
    def ledger(self) -> Path:
        return self.local / "ledger.sqlite3"

    @property
    def work(self) -> Path:
        """This computer's work area: print files and proofs are written here while they are made,
        one folder per claim, and moved into the claim once whole. A sync client never sees a
        half-written file, and never uploads one that is then deleted."""
        return self.local / "work"

    logs = property(lambda self: self.state / "logs")
    blocklist_cache = property(lambda self: self.state / "blocklist-hashes.json")
    settings_file = property(lambda self: self.path / SETTINGS_FILE)

    def folders(self) -> list[Path]:
        return [self.path / name for name in SEATS] + [
            self.rules, self.state, self.claims, self.pending, self.records, self.logs, self.local, self.work]

    def is_initialised(self) -> bool:
        return self.settings_file.exists() and self.inbox.is_dir()

    def require(self) -> Root:
        if not self.is_initialised():
            raise ConfigError(
                f"{self.path} is not a podwatch folder (no {SETTINGS_FILE} or inbox/). "
                f"Run `{typed_command()} init {self.path}` first, or pass --root."
            )
        return self


def init_root(path: Path) -> list[Path]:
    """Create the folder tree, settings and an editable copy of the bundled rules.

    Safe to run again: nothing that exists is touched, so a seller's edits stay.
    Returns what was created.
    """
    import shutil

    from podwatch.bundled import rules_dir
    from podwatch.files import write_text

    root = Root(path)
    created: list[Path] = []
    root.path.mkdir(parents=True, exist_ok=True)
    for folder in root.folders():
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            if folder.is_relative_to(root.path):  # this computer's own state is not part of the tree
                created.append(folder)
    for path, template in ((root.settings_file, SETTINGS_TEMPLATE), (root.blocked_terms, BLOCKED_TERMS_TEMPLATE)):
        if not path.exists():
            write_text(path, template)
            created.append(path)
    for rule in sorted(rules_dir().glob("*.toml")):
        target = root.rules / rule.name
        if not target.exists():
            shutil.copyfile(rule, target)
            created.append(target)
    return created
