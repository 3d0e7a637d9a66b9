"""Buyer text on the print: real names land inside their box, or the seller is told exactly why not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from podwatch.checks.catalog import findings_for
from podwatch.checks.registry import Subject
from podwatch.colors import contrast_ratio, garment_rgb
from podwatch.config.order import Order
from podwatch.config.rule import Rule
from podwatch.findings import Level
from podwatch.prepress.printfile import print_image
from podwatch.text import content
from podwatch.text.fields import lay_out_fields
from podwatch.text.fonts import fallback_font, find_font, layout_engine, pil_font
from podwatch.text.layout import Fitting, Word, fit_text
from podwatch.text.render import draw_fields, ink_rgb

DPI = 150  # real inches, fewer pixels: the tests stay quick
BOX = {"x": 0.5, "y": 0.4, "width": 5.0, "height": 1.4}
SIXTY = "Maria Fernanda de los Ángeles Gutiérrez-Hernández de Ramírez"


def text_rule(tmp_path: Path | None = None, product: dict | None = None, checks: dict | None = None,
              **field) -> Rule:
    """A 7 x 2.5 in print area with one name field; `field` overrides the field's settings."""
    spec = {"key": "personalization.name", "box": BOX, "font": "sans", "min_pt": 10, "max_pt": 60, **field}
    source = (tmp_path or Path("rules")) / "plate.toml"
    return Rule.model_validate({
        "product": {"name": "Name plate", "colors": ["white", "black", "navy"], **(product or {})},
        "print_area": {"width_in": 7, "height_in": 2.5, "dpi": DPI},
        "checks": checks or {}, "text": [spec], "source": str(source),
    })


def order(name=None, variant="white", **personalization) -> Order:
    if name is not None:
        personalization["name"] = name
    return Order(order_id="1", product="plate", variant=variant, personalization=personalization)


def printed_twice(rule: Rule, **first) -> Rule:
    """The rule's one field printed twice (a mug's two sides): text.0 with `first`'s changes, text.1 as it is."""
    (field,) = rule.text
    return rule.model_copy(update={"text": [field.model_copy(update=first), field]})


def render(rule: Rule, the_order: Order):
    """The print (transparent canvas + text), the laid-out fields and every finding, as the pipeline makes them."""
    fields = lay_out_fields(rule, the_order)
    findings = findings_for(Subject(None, rule, the_order, text=fields))
    image = print_image(None, rule)
    draw_fields(image, fields, rule.color_for(the_order))
    return image, fields, findings


def box_px(box: dict = BOX) -> tuple[int, int, int, int]:
    return (round(box["x"] * DPI), round(box["y"] * DPI), round((box["x"] + box["width"]) * DPI),
            round((box["y"] + box["height"]) * DPI))


def ink_inside_and_outside(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int]:
    alpha = np.asarray(image.getchannel("A")) > 0
    left, top, right, bottom = box
    inside = int(alpha[top:bottom, left:right].sum())
    return inside, int(alpha.sum()) - inside


def codes(findings, level=None) -> list[str]:
    return [f.code for f in findings if level is None or f.level is level]


@pytest.mark.parametrize("font", ["sans", "serif", "script"])
@pytest.mark.parametrize("name", ["Zoë & José", "Renée", "Łukasz", "Ørsted", "Дмитрий", "Αλέξανδρος"])
def test_real_names_print_inside_their_box_and_nowhere_else(name, font):
    rule = text_rule(font=font)
    image, (field,), findings = render(rule, order(name))

    inside, outside = ink_inside_and_outside(image, box_px())
    assert inside > 500, "the name is on the print"
    assert outside == 0, "no ink outside the box"
    assert image.getchannel("A").getbbox() is not None
    assert field.layout.fits and 10 <= field.layout.size_pt <= 60
    assert codes(findings, Level.FAIL) == codes(findings, Level.WARN) == []
    # The script font has Western European Latin only: the rest is drawn, whole words, in the wide font.
    lacking = {"Łukasz": "Ł", "Дмитрий": "Д", "Αλέξανδρος": "Α"}
    if font == "script" and name in lacking:
        (note,) = [f for f in findings if f.code == "font_fallback"]
        assert note.level is Level.INFO
        assert f"{lacking[name]} (U+{ord(lacking[name]):04X}" in note.message
        assert "Dancing Script" in note.message and "DejaVu Sans" in note.message
        assert {run.font for line in field.layout.lines for run in line.runs} == {fallback_font()}
    else:
        assert "font_fallback" not in codes(findings)


@pytest.mark.parametrize("name, named", [
    ("李小龍", ["李 (U+674E CJK UNIFIED IDEOGRAPH-674E)", "小 (U+5C0F", "龍 (U+9F8D"]),
    ("🐶 Max", ["🐶 (U+1F436 DOG FACE)"]),
])
def test_characters_no_bundled_font_can_draw_fail_with_each_one_named(name, named):
    _image, (field,), findings = render(text_rule(), order(name))
    (fail,) = [f for f in findings if f.level is Level.FAIL]
    assert fail.code == "glyphs_missing"
    for words in named:
        assert words in fail.message
    assert "Lato" in fail.message and "nor can the fallback DejaVu Sans" in fail.message
    assert fail.detail["characters"] == [f"U+{ord(c):04X}" for c in dict.fromkeys(name) if c.strip()
                                         and c not in "Max"]
    assert field.missing == "".join(c for c in dict.fromkeys(name) if c.strip() and c not in "Max")


def test_without_the_fallback_a_missing_letter_fails_instead_of_switching_fonts():
    _image, (field,), findings = render(text_rule(font="script", fallback=False), order("Łukasz"))
    assert codes(findings, Level.FAIL) == ["glyphs_missing"]
    assert findings[0].message == (
        'name "Łukasz": the font Dancing Script cannot draw Ł (U+0141 LATIN CAPITAL LETTER L WITH STROKE), so it '
        "cannot be printed (it would come out blank or as an empty box). Ask the buyer whether to leave it out, "
        "or choose a font that has it in rules/plate.toml, text.0.")
    assert findings[0].detail == {"key": "personalization.name", "characters": ["U+0141"]}
    assert field.fallback is None


def test_a_letter_drawn_in_the_fallback_font_is_noted_with_both_fonts():
    _image, _fields, (note,) = render(text_rule(font="script"), order("Łukasz"))
    assert (note.code, note.level) == ("font_fallback", Level.INFO)
    assert note.message == (
        'name "Łukasz": Dancing Script has no Ł (U+0141 LATIN CAPITAL LETTER L WITH STROKE), so the words with '
        "them are drawn in DejaVu Sans. Check on the proof that the mix looks right.")
    assert note.detail == {"key": "personalization.name", "characters": ["U+0141"]}


def test_a_letter_one_sides_font_lacks_fails_for_that_side():
    rule = printed_twice(text_rule(font="script", fallback=False), font="sans")
    _image, _fields, findings = render(rule, order("Łukasz"))
    (fail,) = findings
    assert fail.code == "glyphs_missing" and fail.message.endswith("choose a font that has it in rules/plate.toml, text.1.")


@pytest.mark.parametrize(("personalization", "what"), [
    ({"name": ""}, "has an empty"), ({"name": "   "}, "has an empty"), ({}, "has no"),
])
def test_an_empty_or_missing_required_name_fails(personalization, what):
    image, _fields, findings = render(text_rule(), order(**personalization))
    (fail,) = findings
    assert fail.code == "text_missing" and fail.level is Level.FAIL
    assert fail.message == (
        f"the order {what} personalization.name, but every Name plate prints a name (rules/plate.toml, text.0). "
        "Ask the buyer for it, add it to the order JSON and drop the order into the inbox again.")
    assert fail.detail == {"key": "personalization.name"}
    assert image.getchannel("A").getbbox() is None, "nothing printed"


def test_a_name_required_on_one_side_only_is_missing_from_that_side():
    # The back may stay blank; the front may not. The finding names the field that needs it.
    _image, _fields, findings = render(printed_twice(text_rule(), required=False), order())
    (fail,) = findings
    assert fail.code == "text_missing" and "(rules/plate.toml, text.1)" in fail.message


def test_an_empty_optional_name_prints_nothing_and_says_nothing():
    image, (field,), findings = render(text_rule(required=False), order(""))
    assert findings == [] and field.layout is None
    assert image.getchannel("A").getbbox() is None


def test_a_sixty_character_name_over_max_chars_fails_with_the_count():
    assert len(SIXTY) == 60
    _image, _fields, findings = render(text_rule(max_chars=30), order(SIXTY))
    (too_long,) = [f for f in findings if f.code == "text_too_long"]
    assert too_long.level is Level.FAIL
    assert too_long.message == (
        f'name "{SIXTY}" is 60 characters; the Name plate takes at most 30 (max_chars in rules/plate.toml, text.0). '
        "Ask the buyer for a shorter version.")
    assert too_long.detail == {"key": "personalization.name", "chars": 60, "max_chars": 30}
    # Exactly at the limit is fine.
    assert "text_too_long" not in codes(render(text_rule(max_chars=60, max_lines=2, min_pt=6), order(SIXTY))[2])


def test_a_name_too_long_for_one_side_only_names_that_side():
    rule = printed_twice(text_rule(max_chars=30, max_lines=2, min_pt=6), max_chars=None)
    _image, _fields, findings = render(rule, order(SIXTY))
    (too_long,) = [f for f in findings if f.code == "text_too_long"]
    assert "(max_chars in rules/plate.toml, text.1)" in too_long.message


def test_a_pasted_essay_is_not_laid_out_and_fails_with_its_length():
    essay = " ".join(["Happy birthday to the best grandma in the whole world!"] * 11)
    _image, (field,), findings = render(text_rule(), order(essay))
    (too_long,) = findings
    assert (too_long.code, too_long.level) == ("text_too_long", Level.FAIL) and field.layout is None
    assert too_long.message == (
        "name is 604 characters long; podwatch prints at most 500 in one field. Ask the buyer for a shorter text.")
    assert too_long.detail == {"key": "personalization.name", "chars": 604}


def test_a_sixty_character_name_allowed_by_warn_wraps_and_still_fits_the_box():
    rule = text_rule(max_chars=30, too_long="warn", max_lines=2, min_pt=8)
    image, (field,), findings = render(rule, order(SIXTY))
    assert codes(findings) == ["text_too_long"] and findings[0].level is Level.WARN
    assert len(field.layout.lines) == 2
    inside, outside = ink_inside_and_outside(image, box_px())
    assert inside > 500 and outside == 0


def test_a_name_that_only_fits_below_min_pt_fails_and_says_the_size_it_would_need():
    _image, (field,), findings = render(text_rule(min_pt=30, max_lines=1), order(SIXTY))
    (small,) = [f for f in findings if f.code == "text_too_small"]
    assert small.level is Level.FAIL
    assert not field.layout.fits and field.layout.size_pt < 30
    assert small.message == (
        f'name "{SIXTY}" only fits its 5 x 1.4 in box at 12.75 pt, below the 30 pt minimum: too small to read well. '
        "Ask the buyer for a shorter text, or allow more lines (max_lines = 1) or a smaller min_pt in "
        "rules/plate.toml, text.0.")
    assert small.detail == {"key": "personalization.name", "size_pt": 12.75, "min_pt": 30.0}


def test_a_box_mistyped_too_small_for_any_size_says_so():
    thin = {"x": 0.5, "y": 0.4, "width": 0.2, "height": 0.01}  # height 0.01 where 1.0 was meant
    _image, (field,), (small,) = render(text_rule(box=thin, max_lines=1), order(SIXTY))
    assert (small.code, small.level, field.layout) == ("text_too_small", Level.FAIL, None)
    assert small.message == (
        f'name "{SIXTY}" does not fit its 0.2 x 0.01 in box at any size. Ask the buyer for a shorter text, or '
        "allow more lines (max_lines = 1) or a smaller min_pt in rules/plate.toml, text.0.")
    assert small.detail == {"key": "personalization.name", "size_pt": None, "min_pt": 10.0}


def test_a_name_too_small_on_one_side_only_is_reported_for_that_side():
    rule = printed_twice(text_rule(min_pt=30, max_lines=1), min_pt=10, max_lines=2)
    _image, _fields, findings = render(rule, order(SIXTY))
    (small,) = [f for f in findings if f.code == "text_too_small"]
    assert small.message.endswith("or a smaller min_pt in rules/plate.toml, text.1.")


def test_a_name_too_small_on_both_sides_is_said_once_naming_both_unless_their_sizes_differ():
    # Both sides of a mug print the name alike: one message, naming each field.
    _image, _fields, findings = render(printed_twice(text_rule(min_pt=30, max_lines=1)), order(SIXTY))
    assert [(f.code, f.message[-39:], f.detail["size_pt"]) for f in findings] == [
        ("text_too_small", "in rules/plate.toml, text.0 and text.1.", 12.75)]
    # In a script font the front fits the same box at another size: each side is said with its own.
    _image, _fields, findings = render(printed_twice(text_rule(min_pt=30, max_lines=1), font="script"), order(SIXTY))
    assert [(f.message[-28:], f.detail["size_pt"]) for f in findings] == [
        ("in rules/plate.toml, text.0.", 15.5), ("in rules/plate.toml, text.1.", 12.75)]
    assert "at 15.5 pt" in findings[0].message and "at 12.75 pt" in findings[1].message


def test_auto_fit_takes_the_largest_size_that_fits():
    rule = text_rule(max_pt=200)
    (field,) = lay_out_fields(rule, order("Renée"))
    size = field.layout.size_pt
    assert 10 < size < 200
    spec = Fitting(box=box_px(), dpi=DPI, min_pt=size + 0.25, max_pt=size + 0.25, max_lines=1)
    words = [Word("Renée", find_font("sans", Path(".")))]
    assert not fit_text(words and [words], spec).fits, "a quarter point more no longer fits"
    # A short name in a roomy box stops at max_pt.
    (capped,) = lay_out_fields(text_rule(max_pt=24), order("Jo"))
    assert capped.layout.size_pt == 24


def test_more_lines_allowed_means_a_larger_name():
    name = "Anne-Marie Catherine Dubois"
    (one,) = lay_out_fields(text_rule(max_lines=1), order(name))
    (two,) = lay_out_fields(text_rule(max_lines=2), order(name))
    assert len(one.layout.lines) == 1 and len(two.layout.lines) == 2
    assert two.layout.size_pt > one.layout.size_pt


def test_a_stroke_stays_inside_the_box_too():
    rule = text_rule(stroke_pt=4, stroke_color="navy", color="white")
    image, (field,), _ = render(rule, order("Ørsted"))
    assert field.layout.stroke_px == round(4 * DPI / 72)
    inside, outside = ink_inside_and_outside(image, box_px())
    assert inside > 500 and outside == 0
    colours = {rgb for (_count, rgb) in image.convert("RGB").getcolors(1 << 20) if _count > 50}
    assert (255, 255, 255) in colours and (0, 0, 128) in colours


@pytest.mark.parametrize("typed", ["2024-05-01", "05/01/2024", "01.05.2024", "May 1, 2024"])
def test_a_date_typed_in_any_known_format_prints_in_the_rules_format(typed):
    rule = text_rule(key="personalization.date", date_format="%B %-d, %Y")
    image, (field,), findings = render(rule, order(date=typed))
    assert field.text == "May 1, 2024"
    assert findings == []
    inside, outside = ink_inside_and_outside(image, box_px())
    assert inside > 500 and outside == 0


def test_date_formats_without_leading_zeros_work_everywhere():
    when = content.parse_date("2024-03-05", content.DEFAULT_DATE_INPUTS)
    assert content.format_date(when, "%B %-d, %Y") == "March 5, 2024"
    assert content.format_date(when, "%d.%m.%Y") == "05.03.2024"
    assert content.format_date(when, "%-d/%-m/%Y") == "5/3/2024"
    assert content.format_date(when, "100%% on %-d") == "100% on 5"


def test_an_unreadable_date_fails_and_lists_what_would_have_been_read():
    rule = text_rule(key="personalization.date", date_format="%d.%m.%Y")
    _image, (field,), findings = render(rule, order(date="31/12/2024"))
    (fail,) = findings
    assert fail.code == "date_unreadable" and field.layout is None
    assert '"31/12/2024"' in fail.message
    assert "2024-05-01, 05/01/2024, 01.05.2024, May 1, 2024" in fail.message


def test_an_unreadable_date_is_said_with_examples_as_a_person_writes_them():
    rule = text_rule(key="personalization.date", date_format="%d.%m.%Y", date_input=["%b %d, %Y", "%d.%m.%Y"])
    _image, _fields, (fail,) = render(rule, order(date="31/12/2024"))
    assert fail.message == (
        'date "31/12/2024" is not a date podwatch can read; it reads dates written like May 1, 2024, 01.05.2024 '
        "(date_input in rules/plate.toml, text.0). Correct the date in the order JSON, or add its format to "
        "date_input.")
    assert (fail.level, fail.detail) == (Level.FAIL, {"key": "personalization.date"})


def test_a_date_one_side_reads_and_the_other_does_not_fails_for_that_side():
    rule = printed_twice(text_rule(key="personalization.date", date_format="%d.%m.%Y", date_input=["%Y-%m-%d"]),
                         date_input=["%d/%m/%Y"])
    _image, _fields, findings = render(rule, order(date="31/12/2024"))
    (fail,) = findings
    assert fail.code == "date_unreadable" and "(date_input in rules/plate.toml, text.1)" in fail.message


def test_buyer_text_no_field_prints_is_noted_once_per_entry():
    # The name is printed; the note and the age are not; a blank entry says nothing.
    _image, _fields, findings = render(text_rule(), order("Luna", note="Happy 70th", blank="  ", age=70))
    assert [(f.code, f.level, f.detail) for f in findings] == [
        ("text_not_printed", Level.INFO, {"key": "personalization.note"}),
        ("text_not_printed", Level.INFO, {"key": "personalization.age"}),
    ]
    assert findings[1].message == (
        'the buyer typed age = "70", but this product\'s rule has no [[text]] field for personalization.age, so '
        "podwatch does not print it. Check that the artwork already shows it, or add a text field to the rule.")


def test_odd_spacing_and_case_are_tidied_for_print_and_noted():
    _image, (field,), findings = render(text_rule(), order("  RENÉE   SMITH "))
    assert field.text == "RENÉE SMITH"
    spacing, case = findings
    assert (spacing.code, spacing.level, spacing.detail) == ("text_spacing", Level.INFO, {"key": "personalization.name"})
    assert spacing.message == ('name "  RENÉE   SMITH ": spaces at the start or end are left out and double spaces '
                               "are printed as one.")
    assert (case.code, case.level, case.detail) == ("text_case", Level.INFO, {"key": "personalization.name"})
    assert case.message == (
        'name "  RENÉE   SMITH " is typed all in capitals and printed as typed. If that is not what the buyer '
        'wants, correct the order JSON or set transform = "title" in rules/plate.toml, text.0.')
    # With a case transform the rule decides the case, so there is nothing to note about it.
    _image, (field,), findings = render(text_rule(transform="title"), order("renée o'neill-smith"))
    assert field.text == "Renée O'neill-Smith" and findings == []


def test_typing_is_noted_for_each_side_that_prints_it_as_typed():
    # The front title-cases the name: only the back, which prints it as typed, gets the note.
    _image, _fields, (case,) = render(printed_twice(text_rule(), transform="title"), order("RENÉE"))
    assert case.code == "text_case" and case.message.endswith("in rules/plate.toml, text.1.")
    # The front prints the date in the rule's format, the back as the buyer typed it.
    rule = printed_twice(text_rule(key="personalization.date", date_input=["%b %d %Y"]), date_format="%d.%m.%Y")
    _image, _fields, (case,) = render(rule, order(date="DEC 31 2024"))
    assert case.code == "text_case" and case.message.endswith("in rules/plate.toml, text.1.")
    # An optional field left blank comes first: the name after it is still looked at.
    rule = printed_twice(text_rule(), key="personalization.nickname", required=False)
    _image, _fields, (spacing,) = render(rule, order(" Renée"))
    assert spacing.code == "text_spacing"


def test_a_colour_per_garment_and_a_contrast_warning():
    table = {"default": "black", "black": "white"}
    image, _fields, findings = render(text_rule(color=table), order("Luna", variant="Black / L"))
    assert findings == []
    pixels = np.asarray(image)
    assert (pixels[pixels[..., 3] == 255][:, :3] == 255).all(), "white text on the black shirt"
    _image, _fields, findings = render(text_rule(color=table), order("Luna", variant="navy / L"))
    (warn,) = findings
    assert warn.code == "text_low_contrast" and warn.level is Level.WARN
    assert warn.message == (
        "name: black text on navy has a contrast of 1.5:1 (below 2:1) and will be hard to read. Give the field a "
        'colour for navy in rules/plate.toml, text.0, e.g. color = {default = "black", "navy" = "white"}, or a stroke.')
    assert warn.detail == {"key": "personalization.name", "contrast": 1.54}


def test_light_text_on_a_light_garment_is_told_to_take_black():
    _image, _fields, (warn,) = render(text_rule(color="yellow"), order("Luna", variant="white / L"))
    assert warn.message == (
        "name: yellow text on white has a contrast of 1.1:1 (below 2:1) and will be hard to read. Give the field a "
        'colour for white in rules/plate.toml, text.0, e.g. color = {default = "yellow", "white" = "black"}, '
        "or a stroke.")


def test_a_stroke_coloured_per_garment_and_a_contrast_right_at_the_minimum_pass():
    outlined = text_rule(color="black", stroke_pt=2, stroke_color={"default": "black", "navy": "white"})
    assert render(outlined, order("Luna", variant="navy / L"))[2] == []
    exactly = contrast_ratio(ink_rgb("black"), garment_rgb("navy"))  # 1.54:1
    assert render(text_rule(color="black", checks={"min_text_contrast": exactly}), order("Luna", variant="navy"))[2] == []


def on_paper() -> Rule:
    return text_rule(color="black", checks={"transparency": "forbidden"})


def as_jpeg() -> Rule:
    rule = text_rule(color="black")
    return rule.model_copy(update={"output": rule.output.model_copy(update={"format": "jpeg"})})


@pytest.mark.parametrize("flat_rule", [on_paper, as_jpeg], ids=["a product that prints every pixel", "JPEG prints"])
def test_text_on_a_print_flattened_onto_paper_is_judged_against_the_paper(flat_rule):
    # Black text on a navy variant: on the white paper it is printed on, it reads well.
    _image, _fields, findings = render(flat_rule(), order("Luna", variant="navy / L"))
    assert "text_low_contrast" not in codes(findings)


@pytest.mark.parametrize(("back", "front"), [
    ({}, {"color": "white"}),  # the back's black text is hard to read on navy
    ({"stroke_pt": 2, "stroke_color": "black"}, {"stroke_color": "white"}),  # a black outline does not help
    ({}, {"stroke_pt": 2}),  # the back has the (white) stroke colour but no stroke
    ({}, {"stroke_pt": 0.5}),  # a one-pixel stroke (at 150 DPI) still outlines the front
], ids=["colour", "stroke colour", "stroke", "one-pixel stroke"])
def test_each_side_is_judged_by_its_own_colours(back, front):
    rule = printed_twice(text_rule(color="black", **back), **front)
    _image, _fields, (warn,) = render(rule, order("Luna", variant="navy / L"))
    assert warn.code == "text_low_contrast" and "in rules/plate.toml, text.1, e.g." in warn.message


def test_text_on_a_flattened_print_is_drawn_onto_the_paper():
    rule = text_rule(color="#1d2b4f", checks={"transparency": "forbidden"})
    the_order = order("Ørsted")
    image = print_image(None, rule)
    assert image.mode == "RGB" and image.getpixel((0, 0)) == (255, 255, 255)
    draw_fields(image, lay_out_fields(rule, the_order), "white")
    dark = np.asarray(image.convert("L")) < 128
    left, top, right, bottom = box_px()
    assert dark[top:bottom, left:right].sum() > 500 and dark.sum() == dark[top:bottom, left:right].sum()


def test_kerning_comes_from_the_font():
    font = pil_font(find_font("sans", Path(".")), 100.0)
    if layout_engine() != "raqm":
        pytest.skip("Pillow without raqm lays text out without the font's GPOS kerning")
    assert font.getlength("AV") < font.getlength("A") + font.getlength("V")


@pytest.mark.parametrize("align, valign", [("left", "top"), ("center", "middle"), ("right", "bottom")])
@pytest.mark.parametrize("name", ["Jo", "Zoë & José", "Łukasz Żółć", "Αλέξανδρος"])
@pytest.mark.parametrize("font", ["sans", "script"])
def test_auto_fit_fills_the_box_to_its_edges_where_the_rule_aligns_it(name, font, align, valign):
    rule = text_rule(font=font, max_pt=400, align=align, valign=valign, max_lines=2)
    image, (field,), _ = render(rule, order(name))
    left, top, right, bottom = box_px()
    ink = image.getchannel("A").getbbox()
    assert ink == field.layout.ink, "what is drawn is exactly what was measured"
    assert left <= ink[0] and ink[2] <= right and top <= ink[1] and ink[3] <= bottom
    # The largest size: a quarter point more would cross the box on one side.
    assert right - left - (ink[2] - ink[0]) <= 6 or bottom - top - (ink[3] - ink[1]) <= 6
    edges = {"left": ink[0] - left, "right": right - ink[2], "top": ink[1] - top, "bottom": bottom - ink[3]}
    for side in (align, valign):
        if side in edges:
            assert edges[side] <= 1, f"pushed to the {side} edge"
    if align == "center":
        assert abs(edges["left"] - edges["right"]) <= 1


def test_a_right_to_left_name_mixing_fonts_keeps_its_reading_order():
    # Hebrew is drawn in the wide font, Latin in Lato: the runs are placed right to left.
    (field,) = lay_out_fields(text_rule(), order("נועה Noa"))
    (line,) = field.layout.lines
    hebrew, latin = sorted(line.runs, key=lambda run: run.text != "נועה")
    assert hebrew.font == fallback_font() and latin.text == "Noa"
    assert hebrew.x > latin.x, "the first word read is the rightmost"
    (field,) = lay_out_fields(text_rule(), order("Noa נועה"))
    assert [run.text for run in sorted(field.layout.lines[0].runs, key=lambda run: run.x)] == ["Noa", "נועה"]


@pytest.mark.parametrize("typed, oddity", [
    ("JOSÉ", "all in capitals"), ("zoë", "all in lowercase"),
    ("RENÉE dubois", "partly in capitals, partly in lowercase"),
    ("Maria de los Ángeles", None), ("José DE LA Cruz", None), ("李小龍", None), ("Дмитрий", None), ("J", None),
])
def test_case_oddities(typed, oddity):
    assert content.case_oddity(typed) == oddity


def test_two_lines_win_when_they_fit_larger_than_one():
    # One line of "Zoë & José" just misses at 46 pt, yet two lines fit up to 59 pt: sizes are
    # walked from the top, so the larger, wrapped name is found (a binary search would stop at 45).
    rule = text_rule(font="script", max_pt=72, min_pt=20, max_lines=2,
                     box={"x": 0.35, "y": 0.45, "width": 2.5, "height": 1.65})
    (field,) = lay_out_fields(rule.model_copy(update={"print_area": rule.print_area.model_copy(update={"dpi": 300})}),
                              order("Zoë & José"))
    assert len(field.layout.lines) == 2 and field.layout.size_pt > 55
