"""The types every stage shares: what a run knows, one upload's job, the work on it and how it came out.

A leaf: it imports no stage at run time, so any stage may import it. The split follows OCRmyPDF's
page context and page result: a worker process gets a `WorkContext` and a `Job`, both picklable,
and hands back a `Result`. Only the main process holds a `Run`, the one type with a ledger in it,
so the image work cannot write the ledger by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from podwatch.findings import Finding

if TYPE_CHECKING:
    from PIL import Image

    from podwatch.background import Removal
    from podwatch.checks.blocklist import Blocklist
    from podwatch.config.order import Order
    from podwatch.config.root import Root
    from podwatch.config.rule import PrintArea, Rule
    from podwatch.config.settings import Settings
    from podwatch.intake.claims import Claim
    from podwatch.outputs.ledger import Ledger
    from podwatch.prepress.bands import BandedPrint
    from podwatch.prepress.loading import LoadedImage
    from podwatch.text.fields import FieldText


class State(str, Enum):
    """Where an order item stands; the ledger's `state` column and the folder it sits in."""

    REVIEW = "review"  # proof waiting for the seller
    PRODUCTION = "production"  # print file handed to production
    REJECTED = "rejected"  # the seller declined the proof
    FAILED = "failed"  # could not be made printable; see failed/


@dataclass(frozen=True)
class WorkContext:
    """What the image work on any upload needs, read once per run. It is all a worker process
    is given: no ledger, no names in flight."""

    root: Root
    settings: Settings
    rules: dict[str, Rule]
    blocklist: Blocklist | None = None


@dataclass
class InFlight:
    """Names and revisions handed to orders still in work: the ledger only learns of them when
    they are routed, and no second order may get them meanwhile."""

    names: set[str] = field(default_factory=set)
    # order id -> claim id -> (product, revision, item numbers) of claims still in work
    items: dict[str, dict[str, tuple[str, int, tuple[int, ...]]]] = field(default_factory=dict)
    # Claims kept in .podwatch/claims/ because the disk was full: taken up again once there is room.
    kept: list[Claim] = field(default_factory=list)


@dataclass
class Run:
    """The main process's context: the work context, the ledger, and the names handed out."""

    work: WorkContext
    ledger: Ledger
    in_flight: InFlight = field(default_factory=InFlight)

    @property
    def root(self) -> Root:
        return self.work.root

    @property
    def settings(self) -> Settings:
        return self.work.settings

    @property
    def rules(self) -> dict[str, Rule]:
        return self.work.rules


@dataclass(frozen=True)
class Job:
    """One upload of one order, named and ready to be worked on; picklable, so a worker gets it whole."""

    order: Order
    rule: Rule
    upload: Path  # the buyer's file; for a name-only order, the order JSON itself
    item: int
    revision: int
    proof_name: str
    print_name: str
    staging: Path  # where the print file is written while it is made: this computer's work area, per claim
    text_only: bool = False  # no upload: the print is the rule's text on an empty print area
    preview_name: str = ""  # the buyer preview's name; empty when the rule makes none
    set_aside: bool = False  # tried too often already: routed to failed/ without being worked on
    stopped: str = ""  # why, when podwatch stopped working on it past its time (run --once)
    # Cores the work may use at once (the print file's deflate, band by band): more than one only
    # when the job was handed out with no other job running or waiting (workers.py).
    threads: int = 1


@dataclass
class Draft:
    """One upload while the steps work on it, in whichever process: each step reads and fills it."""

    job: Job
    # The job's rule as it prints this upload: its print area turned for landscape art when the
    # product comes either way up (set once the artwork's shape is known).
    rule: Rule = field(init=False)
    artwork: LoadedImage | None = None
    text: tuple[FieldText, ...] = ()
    removal: Removal | None = None
    findings: list[Finding] = field(default_factory=list)
    print_image: Image.Image | BandedPrint | None = None  # banded: made while written (prepress/bands.py)
    print_path: Path | None = None
    proof_image: Image.Image | None = None
    preview_image: Image.Image | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for the log and benchmarks/

    def __post_init__(self) -> None:
        self.rule = self.job.rule

    def result(self) -> Result:
        """What travels back to the main process: the small proof, never the big pictures."""
        return Result(list(self.findings), self.print_path, self.proof_image, dict(self.timings),
                      print_area=self.rule.print_area, preview_image=self.preview_image)


@dataclass
class Result:
    """How the work on one job came out."""

    findings: list[Finding] = field(default_factory=list)
    print_path: Path | None = None  # inside the job's staging folder; None when no print file is kept
    proof_image: Image.Image | None = None
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss: int = 0  # the worker's peak memory (bytes) while on this job
    print_area: PrintArea | None = None  # the area printed on, turned for landscape art; None: the rule's
    preview_image: Image.Image | None = None  # the buyer preview, when the rule makes one and nothing failed
    disk_full: bool = False  # the work stopped for want of disk space: the order waits, it is not failed


@dataclass
class Outcome:
    """What happened to one upload (or an unreadable order), as the run reports it."""

    order_id: str
    label: str  # the upload (or order JSON) the outcome is about
    state: State
    message: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss: int = 0
    seconds: float = 0.0  # from taking the order to routing this upload, waiting included
