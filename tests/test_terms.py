"""Blocked terms: what the buyer typed is matched like a careful person would, not like `in`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run

from podwatch.checks.blocklist import Blocklist
from podwatch.checks.terms import parse_terms
from podwatch.config.root import Root
from podwatch.errors import ConfigError

DEFAULT = Blocklist.bundled().terms


def found(text: str, terms=DEFAULT) -> list[tuple[str, str]]:
    return [(hit.term.text, hit.found) for hit in terms.find(text, "test")]


@pytest.mark.parametrize("typed", ["Pokémon", "POKEMON", "pokemon", "PoKéMoN fan", "ｐｏｋｅｍｏｎ"])
def test_case_accents_and_wide_letters_do_not_hide_a_name(typed):
    (hit,) = found(typed)
    assert hit[0] == "Pokémon"
    assert hit[1] in typed, "the finding quotes the buyer's own spelling"


@pytest.mark.parametrize("typed", ["Star Wars", "Star-Wars", "star  wars", "STARWARS", "star_wars", "Star.Wars!"])
def test_words_of_a_name_may_be_joined_any_way(typed):
    assert found(typed) == [("Star Wars", typed.rstrip("!"))]


@pytest.mark.parametrize("typed", [
    "Nikeisha", "Disneyland 2024", "Marvella", "ANNIKE", "Legolas", "NFLX shares", "supremely happy",
    "Luna & Max", "Grandma's 70th", "Happy Olympia", "Bluebell", "Coca",
])
def test_a_name_inside_another_word_is_not_a_match(typed):
    assert found(typed) == []


def test_a_trailing_star_matches_longer_words_when_the_list_says_so():
    terms, _ = parse_terms(["Disney*", "Nike"], "test list", "test")
    assert found("Disneyland trip", terms) == [("Disney*", "Disney")]
    assert found("Nikeisha", terms) == []
    # podwatch's own list says "Olympic*": the Olympics are enforced too.
    assert found("Olympics 2028") == [("Olympic*", "Olympic")]


@pytest.mark.parametrize(("typed", "hits"), [
    ("3M tape", [("3M", "3M")]), ("13M views", []), ("a3M", [("3M", "3M")]),  # a digit may touch a letter
    ("Area 51 mug", [("Area 51", "Area 51")]), ("area51", [("Area 51", "area51")]), ("Area 512", []),
    ("Area 51b", [("Area 51", "Area 51")]),
])
def test_a_term_starting_or_ending_in_a_digit_is_not_found_inside_a_longer_number(typed, hits):
    terms, _ = parse_terms(["3M", "Area 51"], "test list", "test")
    assert found(typed, terms) == hits


@pytest.mark.parametrize(("name", "term", "quoted"), [
    ("GettyImages-1234567.jpg", "Getty Images", "GettyImages"),
    ("shutterstock_1290871375.jpg", "Shutterstock", "shutterstock"),
    ("AdobeStock_998877.jpeg", "Adobe Stock", "AdobeStock"),
    ("iStock-1217.jpg", "iStock", "iStock"),
    ("DisneyPrincessParty.png", "Disney", "Disney"),
    ("mickey_mouse_ears.png", "Mickey Mouse", "mickey_mouse"),
    ("pikachu2.png", "Pikachu", "pikachu"),
])
def test_file_names_are_read_with_their_capitals_and_digits_split(name, term, quoted):
    assert found(name) == [(term, quoted)]


@pytest.mark.parametrize(("typed", "hits"), [
    ("BarbieGirl", [("Barbie", "Barbie")]), ("Team NikeAir", [("Nike", "Nike")]),
    ("DeShawn McKenzie", []), ("LaToya & JoAnna", []),  # names written with capitals inside them
])
def test_a_buyers_words_run_together_with_capitals_are_read_apart(typed, hits):
    assert found(typed) == hits


def test_a_term_inside_a_longer_one_is_said_once_and_two_lists_naming_the_same_words_both_say_it():
    terms, _ = parse_terms(["Kitty", "Hello Kitty"], "test list", "test")
    assert found("Hello Kitty mug", terms) == [("Hello Kitty", "Hello Kitty")]
    # The seller's "HelloKitty" and podwatch's "Hello Kitty" are two terms that find the same words.
    mine, _ = parse_terms(["HelloKitty"], "mine", "blocked_terms.txt")
    assert found("my hellokitty mug", DEFAULT + mine) == [("Hello Kitty", "hellokitty"), ("HelloKitty", "hellokitty")]


def test_a_name_after_a_short_word_in_a_file_name_is_found():
    assert found("MyPikachu.png") == [("Pikachu", "Pikachu")]


def test_a_ligature_is_read_as_its_letters_and_quoted_as_typed():
    terms, _ = parse_terms(["Fisher Price"], "test list", "test")
    assert found("ﬁsher price rocker", terms) == [("Fisher Price", "ﬁsher price")]  # "ﬁ": one character, two letters


@pytest.mark.parametrize("name", ["IMG_4821.jpg", "nikeisha_portrait.png", "luna-the-dog.HEIC", "Disneyland.jpg"])
def test_ordinary_file_names_are_left_alone(name):
    assert found(name) == []


def test_a_term_file_adds_names_and_can_drop_podwatchs_own():
    mine, drops = parse_terms(
        ["# my shop", "", "Acme Rockets   # a competitor", "!Nike", "!hello   kitty"], "mine", "blocked_terms.txt",
    )
    assert [t.text for t in mine.terms] == ["Acme Rockets"]
    terms = DEFAULT.without(drops) + mine
    assert found("Just do it, Nike", terms) == []
    assert found("HELLO KITTY", terms) == []
    assert found("acme-rockets", terms) == [("Acme Rockets", "acme-rockets")]
    assert found("Mickey Mouse", terms) == [("Mickey Mouse", "Mickey Mouse")]


def test_a_sellers_prefix_term_counts_beside_podwatchs_whole_word_one():
    # podwatch blocks "Marvel" as a whole word; the seller also wants "Marvelverse" and the like.
    mine, drops = parse_terms(["Marvel*"], "mine", "blocked_terms.txt")
    terms = DEFAULT.without(drops) + mine
    assert found("Marvelverse hoodie", terms) == [("Marvel*", "Marvel")]


@pytest.mark.parametrize("line", ["!Olympic", "!Olympic*"])
def test_dropping_a_prefix_term_needs_no_star(line):
    # podwatch's list says "Olympic*"; a seller licensed for the Olympics drops it with "!Olympic", star or not.
    _, drops = parse_terms([line], "mine", "blocked_terms.txt")
    assert found("Olympics 2028", DEFAULT.without(drops)) == []


def test_a_comment_may_hold_a_hash_too():
    mine, _ = parse_terms(["Acme Rockets   # competitor #2, since 2024"], "mine", "blocked_terms.txt")
    assert [t.text for t in mine.terms] == ["Acme Rockets"]


def test_a_term_without_letters_is_refused_with_file_and_line():
    with pytest.raises(ConfigError, match=r"blocked_terms.txt: line 2: '\*' has no letters or digits"):
        parse_terms(["Acme", "*"], "mine", "blocked_terms.txt")


def test_a_broken_blocked_terms_file_stops_the_run_before_anything_is_taken(root: Root, capsys):
    root.blocked_terms.write_text(root.blocked_terms.read_text() + "Acme\n!!!\n", encoding="utf-8")
    assert run(root) == 2
    assert "blocked_terms.txt: line" in capsys.readouterr().err


def test_a_term_file_saved_by_notepad_is_read_and_one_in_another_encoding_is_refused_in_plain_words(root: Root,
                                                                                                   monkeypatch):
    # Notepad starts a UTF-8 file with a byte order mark, here before the template's first comment.
    root.blocked_terms.write_bytes(b"\xef\xbb\xbf" + (root.blocked_terms.read_text() + "Café Rouge\n").encode())
    assert [hit.term.text for hit in Blocklist.open(root).terms.find("cafe rouge mug", "test")] == ["Café Rouge"]
    root.blocked_terms.write_bytes("Café Rouge\n".encode("cp1252"))
    with pytest.raises(ConfigError) as refused:
        Blocklist.open(root)
    assert str(refused.value) == "blocked_terms.txt: is not UTF-8 text; save it as UTF-8 (plain text) and start again"
    # A file this user may not read (tests run as root here, which may read anything).
    def denied(path, encoding=None):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "read_text", denied)
    with pytest.raises(ConfigError) as refused:
        Blocklist.open(root)
    assert str(refused.value) == "blocked_terms.txt: cannot be read (Permission denied)"


def test_a_rule_term_without_letters_is_a_rule_mistake(root: Root, capsys):
    from podwatch.cli.main import main

    mug = root.rules / "mug.toml"
    text = mug.read_text().replace('disabled = ["semi_transparent"]', 'disabled = ["blurr"]')
    mug.write_text(text.replace("[checks]", '[checks]\nblocked_terms = ["Acme", "--"]'))
    assert main(["rules", "check", "--root", str(root.path)]) == 2
    err = capsys.readouterr().err
    assert "rules/mug.toml: checks.blocked_terms: '--' has no letters or digits to look for" in err
    assert "rules/mug.toml: checks.disabled: 'blurr' is not a check" in err


def test_init_writes_a_commented_term_file_and_a_blocklist_folder(root: Root):
    text = root.blocked_terms.read_text(encoding="utf-8")
    assert all(line.startswith("#") for line in text.splitlines() if line.strip()), "no active term by default"
    assert "Disney*" in text and "!Hello Kitty" in text
    assert root.blocklist.is_dir()
