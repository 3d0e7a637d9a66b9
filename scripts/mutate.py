"""`make mutate`: mutation testing (mutmut) of the modules where a silent bug costs a seller money.

Each group of modules runs with only the tests that exercise it, in its own folder under
`mutants/` (git ignores it), because one mutmut run can only have one test selection and running
every order-level test for each mutant of a small module would take hours on two cores. mutmut
then narrows further: each mutant runs only the selected tests that called the mutated function.

    python scripts/mutate.py                 # every group
    python scripts/mutate.py names png       # some groups
    python scripts/mutate.py --list          # the groups and their tests
    python scripts/mutate.py checks --resume # on from where stopped runs of groups left off
                                             # (`checks` names the five checks-* groups)

It prints, per group, the mutants killed and survived and the minutes taken; the survivors are
listed so each one can be killed by a test or written down, with its reason, in tests/README.md.
`scripts/try_mutant.py` then applies a survivor by hand: written into a copy of the source, with any
tests (a new one, the service tests) run against it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The checks' measurements and the blocklist's fingerprint of an upload read in pieces.
STREAMED_CHECKS = "tests/test_streamed.py::test_the_checks_measure_an_upload_read_in_pieces_as_they_measure_it_whole"
STREAMED_FINGERPRINT = "tests/test_streamed.py::test_a_large_upload_read_in_pieces_has_the_blocklist_fingerprint_it_has_whole"

# test_quality's tests of the DPI and crop check (checks/resolution.py).
RESOLUTION_TESTS = [f"tests/test_quality.py::{name}" for name in (
    "test_a_soft_print_says_from_how_far_it_looks_sharp", "test_a_low_resolution_message_says_how_large_the_art_really_prints",
    "test_each_dpi_finding_in_full", "test_a_picture_exactly_at_the_reject_floor_is_held_not_refused",
    "test_a_sticker_exactly_at_a_dpi_limit_is_not_below_it", "test_a_crop_names_the_edges_it_cuts",
    "test_art_of_another_shape_leaves_part_of_a_contain_print_area_empty_and_says_so",
    "test_a_cut_within_max_crop_is_not_reported_and_a_larger_one_is_recorded_with_its_share")]

# group: (modules mutated, tests that exercise them in this process).
# Service tests (a podwatch subprocess) never see a mutant, so they are left out.
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "names": (["podwatch/config/names.py"], ["tests/test_names.py"]),
    "png": (["podwatch/prepress/png.py"], ["tests/test_png.py"]),
    "handoff": (
        ["podwatch/outputs/handoff.py"],
        ["tests/test_handoff.py", "tests/test_journey.py",
         # The manifest's buyer columns and orientation, and a crash in the middle of a hand-off.
         "tests/test_first_day.py::test_the_manifest_tells_the_print_partner_what_is_printed_for_whom_and_by_when",
         "tests/test_seller_decides.py::test_landscape_art_prints_landscape_on_a_poster_and_says_so",
         "tests/test_recovery.py::test_a_crash_during_the_hand_off_gives_one_print_file_and_one_manifest_row",
         "tests/test_outside_folder.py::test_manifest_cells_a_spreadsheet_would_run_are_kept_as_text"],
    ),
    "routing": (
        ["podwatch/outputs/routing.py"],
        ["tests/test_journey.py", "tests/test_routing.py", "tests/test_handoff.py", "tests/test_risk.py",
         # Crashes between recording an item and placing its files; previews; landscape print areas.
         "tests/test_recovery.py::test_a_crash_after_the_first_item_is_recorded_finishes_without_making_it_twice",
         "tests/test_recovery.py::test_a_crash_while_putting_originals_away_is_finished",
         "tests/test_recovery.py::test_a_crash_after_the_claims_files_folder_went_is_finished",
         "tests/test_recovery.py::test_a_crash_after_the_first_original_is_put_away_is_finished",
         "tests/test_first_day.py::test_each_item_gets_a_clean_buyer_preview_beside_its_proof",
         "tests/test_first_day.py::test_no_preview_for_a_failed_item_or_when_the_rule_says_so",
         "tests/test_seller_decides.py::test_landscape_art_prints_landscape_on_a_poster_and_says_so",
         # Whole orders that cannot be read: failed/ with the reason, found again by order id.
         "tests/test_intake.py::test_a_broken_sidecar_fails_with_its_upload_and_says_what_to_fix",
         "tests/test_intake.py::test_an_unknown_product_names_the_known_ones",
         "tests/test_first_day.py::test_an_order_failed_for_a_product_typo_can_be_looked_up_by_id"],
    ),
    "approval": (
        ["podwatch/outputs/approval.py"],
        ["tests/test_journey.py", "tests/test_approval.py", "tests/test_handoff.py",
         # The desk's moves, read by the next run like a seller's.
         "tests/test_desk.py::test_approve_moves_the_proof_into_approved_and_a_run_hands_the_print_over",
         "tests/test_desk.py::test_reject_writes_the_reason_beside_the_proof_and_the_run_records_it"],
    ),
    # Reading an upload: whole (loading, colour, refusals) or a piece at a time (streamed, rows).
    "loading": (["podwatch/prepress/loading.py", "podwatch/prepress/colour.py", "podwatch/prepress/refusals.py",
                 "podwatch/prepress/streamed.py", "podwatch/prepress/rows.py"],
                ["tests/test_loading.py", "tests/test_uploads.py", "tests/test_streamed.py"]),
    # The checks, in five groups, each with the tests written for it. Every order-level test runs every
    # check, so one group with all of them ran each surviving mutant of a text check through 104 s of
    # photo tests when its own 79 tests take 1 s: about 17 hours for the 3268 mutants on two cores.
    # Pictures: blur, enlargement, contrast, thin lines, centring, tiny subjects, the measurements
    # beneath them (also of an upload read in pieces); not the DPI and crop tests (big photos, next group).
    "checks-quality": (
        ["podwatch/checks/measure.py", "podwatch/checks/quality.py", "podwatch/checks/catalog.py",
         "podwatch/checks/registry.py"],
        ["tests/test_quality.py", STREAMED_CHECKS, *(arg for test in RESOLUTION_TESTS for arg in ("--deselect", test))],
    ),
    # The DPI levels (refused, held, marginal) and the share a crop cuts off, in their words.
    "checks-resolution": (
        ["podwatch/checks/resolution.py"],
        [*RESOLUTION_TESTS,
         # The DPI check's hold, refusal and floor, and its words (one upload each: made in this process).
         "tests/test_seller_decides.py::test_a_low_resolution_upload_is_held_for_the_seller_even_under_an_automatic_policy",
         "tests/test_seller_decides.py::test_a_small_logo_on_a_sticker_is_held_not_refused",
         "tests/test_seller_decides.py::test_a_thumbnail_on_a_poster_cannot_be_made_and_is_refused",
         "tests/test_seller_decides.py::test_reject_dpi_is_the_sellers_floor",
         "tests/test_seller_decides.py::test_landscape_art_prints_landscape_on_a_poster_and_says_so",
         "tests/test_first_day.py::test_the_dpi_message_states_the_size_the_logo_really_prints_at",
         "tests/test_first_day.py::test_after_a_cut_out_the_dpi_message_speaks_of_the_buyers_file"],
    ),
    # Rights: protected words, the blocklist of pictures, authorship metadata.
    "checks-risk": (
        ["podwatch/checks/risk.py", "podwatch/checks/terms.py", "podwatch/checks/blocklist.py",
         "podwatch/checks/metadata.py"],
        # The streamed tests: the blocklist's fingerprint of a huge upload read in pieces.
        ["tests/test_risk.py", "tests/test_terms.py", STREAMED_CHECKS, STREAMED_FINGERPRINT],
    ),
    # The buyer's text: typing, dates, glyphs, length, size, contrast, required and unused fields.
    "checks-text": (["podwatch/checks/text.py"], ["tests/test_text.py"]),
    # Transparency, and the background a cut-out leaves on a dark garment.
    "checks-artwork": (
        ["podwatch/checks/artwork.py", "podwatch/checks/background.py"],
        ["tests/test_artwork.py", "tests/test_background_solid.py"],
    ),
    # Shop files in the inbox: which line becomes which order, with which product and buyer text.
    "shops": (
        ["podwatch/shops/mapping.py", "podwatch/shops/importer.py", "podwatch/shops/etsy.py",
         "podwatch/shops/shopify.py", "podwatch/shops/woocommerce.py"],
        ["tests/test_shop_orders.py", "tests/test_shop_downloads.py"],
    ),
    # The review desk's actions (the folder moves); its browser tests drive a served copy, never a mutant.
    "desk": (["podwatch/desk/actions.py"], ["tests/test_desk.py"]),
}
# A name for several groups: `make mutate GROUPS=checks`.
ALIASES = {"checks": [name for name in GROUPS if name.startswith("checks-")]}


MUTANT_TEST_SECONDS = 120


def group_folder(name: str, modules: list[str], tests: list[str], resume: bool) -> Path:
    """A folder that looks like the repository to mutmut, with this group's settings."""
    folder = REPO / "mutants" / name
    # A fresh start unless resuming: mutmut keeps results per function (a function changed since
    # is checked again) and would report old verdicts for mutants whose tests changed since.
    if not resume:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in ("podwatch", "rules", "tests"):
        link = folder / entry
        if not link.exists():
            link.symlink_to(REPO / entry)
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    shared = project["tool"]["mutmut"]
    # A mutant that makes a test loop for ever fails it after MUTANT_TEST_SECONDS, not the 10 minutes
    # CI gives a test (the longest in the timings mutmut kept: 11 s). pytest-timeout's signal only
    # lands between Python lines: a mutant stuck in C (Pillow asked for billions of pixels) still
    # needs stopping by hand; mutmut then counts it caught.
    pytest_options = {**project["tool"]["pytest"]["ini_options"], "timeout": MUTANT_TEST_SECONDS}
    # A file, or one test in it (a pytest option such as --deselect kept as it is).
    tests = [t for t in tests if t.startswith("-") or (REPO / t.split("::")[0]).exists()]
    settings = {
        **shared, "only_mutate": modules, "pytest_add_cli_args_test_selection": tests,
    }
    lines = ["[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    lines += ["", "[tool.pytest.ini_options]"] + [f"{key} = {json.dumps(value)}" for key, value in pytest_options.items()]
    (folder / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return folder


def mutmut(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": ""}
    return subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=folder, env=env, text=True, capture_output=True)


def run_group(name: str, children: int, only: list[str], resume: bool = False) -> dict:
    modules, tests = GROUPS[name]
    folder = group_folder(name, modules, tests, resume)
    runs = earlier_runs(folder) if resume else []
    runs.append({"started": time.time()})
    (folder / "runs.json").write_text(json.dumps(runs))
    started = time.monotonic()
    done = mutmut(folder, "run", "--max-children", str(children), *only)
    runs[-1]["minutes"] = round((time.monotonic() - started) / 60, 1)
    (folder / "runs.json").write_text(json.dumps(runs))
    (folder / "run.log").write_text(done.stdout + done.stderr)
    checked = {key: status for key, status in statuses(folder).items() if status != "not checked"}
    counts: dict[str, int] = {}
    for status in checked.values():
        counts[status] = counts.get(status, 0) + 1
    survivors = [key for key, status in checked.items() if status != "killed"]
    return {"group": name, "minutes": runs[-1]["minutes"], "runs": len(runs),
            "minutes_in_all": round(sum(run["minutes"] for run in runs), 1), "counts": counts,
            "survivors": survivors, "exit": done.returncode}


def statuses(folder: Path) -> dict[str, str]:
    """mutmut's verdict on each mutant of the group: killed, survived, not checked, timeout…"""
    lines = mutmut(folder, "results", "--all", "true").stdout.splitlines()
    return dict(line.strip().rsplit(": ", 1) for line in lines if ": " in line)


def earlier_runs(folder: Path) -> list[dict]:
    """The group's runs so far; one stopped part way (no minutes: the machine went off, or the run was
    killed) is counted up to its last verdict, the newest of mutmut's result files."""
    path = folder / "runs.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    verdicts = [meta.stat().st_mtime for meta in (folder / "mutants").rglob("*.meta")]
    for run in runs:
        run.setdefault("minutes", round((max(verdicts, default=run["started"]) - run["started"]) / 60, 1))
    return runs


def report(result: dict) -> None:
    counts = result["counts"]
    total = sum(counts.values())
    killed = counts.get("killed", 0)
    score = f"{100 * killed / total:.0f} %" if total else "no mutants (see run.log)"
    resumed = f" ({result['minutes_in_all']} min over {result['runs']} runs)" if result["runs"] > 1 else ""
    print(f"{result['group']}: {killed}/{total} killed ({score}) in {result['minutes']} min{resumed} {counts}")
    for key in result["survivors"]:
        print(f"    {key}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help=f"default: every group ({', '.join(GROUPS)})")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 1, help="mutants run at once")
    parser.add_argument("--list", action="store_true", help="print the groups and their tests")
    parser.add_argument("--only", action="append", default=[], metavar="PATTERN",
                        help="only these mutants, e.g. 'podwatch.outputs.handoff.x_sha256*' (repeatable)")
    parser.add_argument("--resume", action="store_true",
                        help="go on from the verdicts a stopped run left (mutmut checks the rest, and any "
                             "function changed since); for a group longer than a sitting (checks)")
    args = parser.parse_args()
    if args.list:
        for name, (modules, tests) in GROUPS.items():
            print(f"{name}: {' '.join(modules)}  <-  {' '.join(tests)}")
        return 0
    names = [group for name in args.groups for group in ALIASES.get(name, [name])] or list(GROUPS)
    unknown = [name for name in names if name not in GROUPS]
    if unknown:
        parser.error(f"no group named {', '.join(unknown)}; the groups are {', '.join([*GROUPS, *ALIASES])}")
    results = []
    for name in names:
        results.append(run_group(name, args.children, args.only, args.resume))
        report(results[-1])
    (REPO / "mutants" / "summary.json").write_text(json.dumps(results, indent=2))
    print(f"{sum(r['minutes_in_all'] for r in results):.1f} min in all; summary in mutants/summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
