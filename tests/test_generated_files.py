"""What `podwatch init` writes: every commented example in it is valid once uncommented."""

from __future__ import annotations

import re
import tomllib

import pytest

from podwatch.config.rule import Rule
from podwatch.config.settings import SETTINGS_TEMPLATE, Settings

# `# key = value` alone on a line: an example a seller is invited to switch on.
EXAMPLE = re.compile(r"^# ?([a-z_]+ = .+)$", re.M)


def examples(text: str) -> list[re.Match[str]]:
    return list(EXAMPLE.finditer(text))


def uncommented(text: str, example: re.Match[str]) -> str:
    return text[: example.start()] + example.group(1) + text[example.end():]


def test_the_settings_file_has_examples_to_check():
    assert [m.group(1).split(" =")[0] for m in examples(SETTINGS_TEMPLATE)] == ["hook", "count"]


@pytest.mark.parametrize("line", [m.group(1) for m in examples(SETTINGS_TEMPLATE)])
def test_each_example_in_podwatch_toml_works_when_uncommented(line):
    (example,) = [m for m in examples(SETTINGS_TEMPLATE) if m.group(1) == line]
    Settings.model_validate(tomllib.loads(uncommented(SETTINGS_TEMPLATE, example)))


def test_each_example_in_the_bundled_rules_works_when_uncommented(root):
    # It failed on namemug.toml's `# font = "fonts/MyBrand.otf" (relative to …)` before that
    # became prose: an example for a key the table already sets cannot be a `# key = value` line.
    for path in sorted(root.rules.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        for example in examples(text):
            data = tomllib.loads(uncommented(text, example))
            Rule.model_validate({**data, "source": str(path)})
