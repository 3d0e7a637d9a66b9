"""Rule files: every mistake in a file is reported at once, with its `rules/x.toml: dotted.key:` prefix."""

from __future__ import annotations

import pytest

from podwatch.config.rulebook import load_rule
from podwatch.errors import ConfigError


def broken(root, product: str, *edits: tuple[str, str]) -> str:
    mug = root.rules / f"{product}.toml"
    text = mug.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    mug.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_rule(mug)
    return str(raised.value)


def test_a_bad_name_template_is_reported_with_the_other_mistakes(root):
    said = broken(root, "mug", ("[output]", '[output]\nname = "{order_id}_{secret}.{ext}"'), ("dpi = 300", "dpi = -3"))
    assert "rules/mug.toml: output.name: name template '{order_id}_{secret}.{ext}': {secret} is not allowed" in said
    assert "rules/mug.toml: print_area.dpi: must be a positive integer" in said


def test_cross_checks_are_reported_together_after_the_schema(root):
    said = broken(
        root, "mug",
        ('disabled = ["semi_transparent"]', 'disabled = ["blurr"]\nblocked_terms = ["--"]'),
        ("[fit]", '[background]\nmodel = "bria-rmbg"\n\n[fit]'),
    )
    lines = said.splitlines()
    assert "rules/mug.toml: checks.disabled: 'blurr' is not a check; the checks are: transparency, format," in said
    assert "rules/mug.toml: checks.blocked_terms: '--' has no letters or digits to look for" in lines
    assert any(line.startswith("rules/mug.toml: background.model: 'bria-rmbg' cannot be used") for line in lines)
    assert len(lines) == 3


def test_a_box_off_the_print_area_and_a_missing_font_are_both_named(root):
    said = broken(root, "namemug", ('font = "script"', 'font = "fonts/Gone.ttf"'),
                  ("box = { x = 0.35, y = 2.3,", "box = { x = 8.5, y = 2.3,"))
    lines = said.splitlines()
    assert "rules/namemug.toml: text.1.box: reaches 11 x 2.95 in, past the 9 x 3.5 in print area" in lines
    assert any(line.startswith("rules/namemug.toml: text.0.font: ") and "Gone.ttf" in line for line in lines)


def test_the_id_must_match_the_file_name(root):
    said = broken(root, "mug", ("[product]", '[product]\nid = "cup"'))
    assert said == ("rules/mug.toml: product.id: is 'cup' but the file is named mug.toml; "
                    "rename the file to cup.toml or change the id")
