"""Auto-fit: the largest point size at which the text fits its box, wrapped onto the lines allowed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from podwatch.text.fonts import pil_font

LINE_PITCH = 1.2  # baseline to baseline, in ems: roomy enough for accents on the line below
STEP_PT = 0.25  # sizes are searched in quarter points: finer than anyone can see in print
COARSE = 0.04  # the first pass, from the largest size down, in steps of 4 %
FLOOR_PT = 1.0  # below the rule's minimum, how far down we look to report the size it would need

Box = tuple[int, int, int, int]  # left, top, right, bottom in print pixels (right/bottom exclusive)


@dataclass(frozen=True)
class Word:
    text: str
    font: Path


@dataclass(frozen=True)
class Run:
    """Neighbouring words in one font, shaped together so the font's kerning applies."""

    text: str
    font: Path
    x: int  # pen offset from the line's origin


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    origin: tuple[int, int]  # where the first run's baseline starts, in print pixels


@dataclass(frozen=True)
class Layout:
    size_pt: float
    size_px: float
    lines: tuple[Line, ...]
    ink: Box  # where ink lands, in print pixels
    fits: bool  # inside the box at a size between the rule's min_pt and max_pt
    stroke_px: int = 0


@dataclass(frozen=True)
class Fitting:
    """What the rule allows for one field, in print pixels."""

    box: Box
    dpi: int
    min_pt: float
    max_pt: float
    max_lines: int
    align: str = "center"
    valign: str = "middle"
    stroke_pt: float = 0

    def px(self, pt: float) -> float:
        return pt * self.dpi / 72


def fit_text(paragraphs: list[list[Word]], spec: Fitting) -> Layout | None:
    """The largest size in [min_pt, max_pt] that fits; failing that, the largest smaller one
    (with `fits` False, so the seller sees what it would look like); None if nothing fits."""
    if not any(paragraphs):
        return None
    found = _largest(paragraphs, spec, spec.min_pt, spec.max_pt)
    if found is not None:
        return found
    below = _largest(paragraphs, spec, FLOOR_PT, spec.min_pt - STEP_PT)
    return None if below is None else replace(below, fits=False)


def _largest(paragraphs: list[list[Word]], spec: Fitting, low_pt: float, high_pt: float) -> Layout | None:
    """Down from `high_pt` in steps of COARSE (a share of the size) to the first size that fits,
    then a binary search in quarter points within that step. Not one binary search over the whole
    range: fitting is not monotonic in size (one line that just misses can become two lines that
    fit at a larger size), so the sizes are walked from the top."""
    if high_pt < low_pt:
        return None
    upper, size = None, high_pt
    while True:
        best = _attempt(paragraphs, spec, size)
        if best is not None or size <= low_pt:
            break
        upper, size = size, max(low_pt, _on_grid(size * (1 - COARSE), low_pt))
    if best is None:
        return None
    low, high = 0, round(((upper or size) - size) / STEP_PT) - 1
    while low < high:  # the largest k with size + k quarter points fitting
        mid = (low + high + 1) // 2
        found = _attempt(paragraphs, spec, size + mid * STEP_PT)
        if found is not None:
            best, low = found, mid
        else:
            high = mid - 1
    return best


def _on_grid(pt: float, low_pt: float) -> float:
    # Sizes stay on quarter points counted from the minimum, so the answer is a size a seller can type.
    return low_pt + (pt - low_pt) // STEP_PT * STEP_PT


def _attempt(paragraphs: list[list[Word]], spec: Fitting, pt: float) -> Layout | None:
    """The layout at `pt`, or None when it does not fit the box or the line count."""
    px = spec.px(pt)
    stroke = round(spec.px(spec.stroke_pt)) if spec.stroke_pt else 0
    left, top, right, bottom = spec.box
    width, height = right - left, bottom - top
    broken: list[list[Word]] = []
    for words in paragraphs:
        wrapped = _wrap(words, px, stroke, width, spec.max_lines - len(broken))
        if wrapped is None:
            return None
        broken += wrapped
    pitch = round(LINE_PITCH * px)
    if not broken or (len(broken) - 1) * pitch > height:
        return None  # too many lines for the box's height: no need to render them to know
    lines = [_measure(line, px, stroke) for line in broken]
    if any(ink[2] - ink[0] > width for _runs, ink in lines):
        return None
    ink_top = min(i * pitch + ink[1] for i, (_, ink) in enumerate(lines))
    ink_bottom = max(i * pitch + ink[3] for i, (_, ink) in enumerate(lines))
    if ink_bottom - ink_top > height:
        return None
    free = height - (ink_bottom - ink_top)
    first_baseline = top - ink_top + {"top": 0, "bottom": free}.get(spec.valign, free // 2)
    placed, ink_box = [], [right, bottom, left, top]
    for i, (runs, ink) in enumerate(lines):
        ink_w = ink[2] - ink[0]
        x = {"left": left, "right": right - ink_w}.get(spec.align, left + (width - ink_w) // 2) - ink[0]
        y = first_baseline + i * pitch
        placed.append(Line(tuple(runs), (x, y)))
        ink_box = [min(ink_box[0], x + ink[0]), min(ink_box[1], y + ink[1]),
                   max(ink_box[2], x + ink[2]), max(ink_box[3], y + ink[3])]
    return Layout(pt, px, tuple(placed), tuple(ink_box), True, stroke)  # type: ignore[arg-type]


def _wrap(words: list[Word], px: float, stroke: int, width: int, max_lines: int) -> list[list[Word]] | None:
    """Greedy wrap (the fewest lines for this size); None when it takes more than `max_lines`
    lines. Advance widths need no rendering, so they decide; a line is rendered to measure
    its ink only when its advance is within a fraction of an em of the box's width."""
    lines: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        candidate = current + [word]
        if current and _too_wide(candidate, px, stroke, width):
            lines.append(current)
            current = []
            if len(lines) >= max_lines:
                return None
        current.append(word)
    lines.append(current)
    return lines


def _too_wide(words: list[Word], px: float, stroke: int, width: int) -> bool:
    # Ink can reach past the advance (a script capital's swash) or stop short of it (side
    # bearings), by a fraction of an em: only near the edge is the line rendered to be sure.
    advance, slack = _advance(words, px), 0.5 * px + 2 * stroke
    if abs(advance - width) > slack:
        return advance > width
    _runs, ink = _measure(words, px, stroke)
    return ink[2] - ink[0] > width


def _advance(words: list[Word], px: float) -> float:
    """The pen travel of a line: each same-font stretch shaped as one (kerning), plus the spaces."""
    total, start = 0.0, 0
    for i in range(1, len(words) + 1):
        if i == len(words) or words[i].font != words[start].font:
            font = pil_font(words[start].font, px)
            total += font.getlength(" ".join(w.text for w in words[start:i]))
            total += font.getlength(" ") if i < len(words) else 0
            start = i
    return total


def _measure(words: list[Word], px: float, stroke: int) -> tuple[list[Run], Box]:
    """Runs of one line with pen offsets, and its ink box relative to the origin on the baseline."""
    groups: list[tuple[Path, list[str]]] = []
    for word in words:
        if groups and groups[-1][0] == word.font:
            groups[-1][1].append(word.text)
        else:
            groups.append((word.font, [word.text]))
    if _right_to_left(words):
        groups.reverse()  # HarfBuzz orders the words inside a run; the runs themselves are ours to place
    runs, pen, ink = [], 0.0, [0, 0, 0, 0]
    first = True
    for path, texts in groups:
        text = " ".join(texts)
        font = pil_font(path, px)
        x = round(pen)
        found = _ink(font, text, stroke)
        if found is not None:
            left, top, right, bottom = found
            box = [x + left, top, x + right, bottom]
            ink = box if first else [min(ink[0], box[0]), min(ink[1], box[1]), max(ink[2], box[2]), max(ink[3], box[3])]
            first = False
        runs.append(Run(text, path, x))
        # The space between two fonts is set in the font before it, as a typesetter would; kept out
        # of the run itself, where a right-to-left run would put it on the wrong side.
        pen += font.getlength(text) + font.getlength(" ")
    return runs, tuple(ink)  # type: ignore[return-value]


def _right_to_left(words: list[Word]) -> bool:
    """Whether the line reads right to left: its first letter with a direction is Hebrew, Arabic…"""
    for word in words:
        for char in word.text:
            kind = unicodedata.bidirectional(char)
            if kind in ("L", "R", "AL"):
                return kind != "L"
    return False


def _ink(font, text: str, stroke: int) -> Box | None:
    """Where the text's pixels land, relative to its origin on the baseline. Measured on the very
    mask Pillow draws (getbbox counts advance widths, so it is loose by a few pixels)."""
    mask, (dx, dy) = font.getmask2(text, mode="L", anchor="ls", stroke_width=stroke)
    box = mask.getbbox()
    return None if not box else (dx + box[0], dy + box[1], dx + box[2], dy + box[3])
