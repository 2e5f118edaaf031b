"""Scale answers as people write them (mailer.parse.scales), and what stays text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.parse.scales import loose_scale

WORDINGS = ("Hur är din energi, 1-5?", "How is your energy, 1-5?")


@pytest.mark.parametrize(("text", "value"), [
    ("ca 3", 3), ("Fyra, lite trött efter releasen", 4), ("3/5 idag", 3), ("4 🙂", 4),
    ("Hur är din energi, 1-5? 3", 3), ("How is your energy, 1-5?\n3 out of 5, tired", 3),
    ("3-4", 3.5), ("about 2 today", 2), ("three", 3), ("tre, okej", 3), ("3 av 5", 3),
])
def test_reads_scales_as_people_write_them(text: str, value: float) -> None:
    assert loose_scale(text, wordings=WORDINGS) == value


@pytest.mark.parametrize(("text", "value"), [
    # a half in decimals, point or comma, alone or of the scale: the middle of two neighbours
    ("2.5", 2.5), ("2,5", 2.5), ("4,5", 4.5), ("2.5/5", 2.5), ("4,5 av 5", 4.5),
    ("3.5 out of 5", 3.5), ("ca 3,5", 3.5), ("typ 1,5, helt slut", 1.5), ("3,50", 3.5),
    ("I'd say 4.5 today", 4.5), ("4.0", 4), ("3,0 av 5", 3),
    # a keycap emoji is its digit
    ("4\ufe0f\u20e3", 4), ("3\u20e3", 3), ("2\ufe0f\u20e3/5", 2), ("fyra", 4),
])
def test_reads_halves_and_keycaps(text: str, value: float) -> None:
    assert loose_scale(text, wordings=WORDINGS) == value


@pytest.mark.parametrize(("text", "value"), [
    # N av M / N of M / N out of M, in words or digits
    ("fyra av fem", 4), ("Två av fem, tungt", 2), ("three out of five", 3), ("four of 5", 4),
    ("4 utav 5", 4), ("5 out of five", 5),
    # Swedish grade nouns, with "en stark/svag/klar" and the like, and English "a solid 4"
    ("En stark trea", 3), ("en svag tvåa idag", 2), ("En klar femma!", 5), ("En etta.", 1),
    ("trea", 3), ("en 4:a", 4), ("Fyra idag", 4), ("three I think", 3), ("a solid 4", 4), ("A weak two", 2), ("a pretty solid 3", 3),
    # hedges in front of the number
    ("typ fyra", 4), ("ungefär 3", 3), ("runt 2, trött", 2), ("kring tre", 3),
    ("Around 4 I think", 4), ("somewhere around 3", 3), ("I’d say a 3", 3),
    ("Jag skulle säga en trea", 3), ("Idag: 2", 2), ("honestly? 2", 2), ("~4", 4),
    # ranges of two neighbours in words are kept as their middle, like "3-4"
    ("mellan 2 och 3", 2.5), ("Somewhere between 2 and 3", 2.5), ("2 eller 3", 2.5),
    ("2 or 3", 2.5), ("tre eller fyra", 3.5), ("between four and five", 4.5), ("3 till 4", 3.5),
    ("between a 3 and a 4", 3.5), ("mellan en trea och en fyra", 3.5), ("3 à 4", 3.5),
    # a value in words opening a clause, not only the line; "(av fem)"
    ("Hyfsat, en trea", 3), ("Okej, typ fyra", 4), ("Pretty good, a solid four", 4),
    ("En dryg trea", 3), ("fyra (av fem)", 4),
    # an emoji or a remark after it
    ("fyra 💪", 4), ("3 😴 long week", 3),
])
def test_reads_the_grammar_of_scale_answers(text: str, value: float) -> None:
    assert loose_scale(text, wordings=WORDINGS) == value


@pytest.mark.parametrize(("text", "value"), [
    # a half in words belongs to its whole number, in digits or words, Swedish and English
    ("Three and a half, could be worse", 3.5), ("3 and a half", 3.5), ("tre och en halv", 3.5),
    ("3 och en halv", 3.5), ("Tre och halv, tror jag", 3.5), ("about 2 and a half", 2.5),
    ("en och en halv", 1.5), ("4 and a half out of 5", 4.5), ("fyra och en halv av fem", 4.5),
    ("3½", 3.5), ("typ 2½ idag", 2.5),
])
def test_reads_a_half_in_words_with_its_number(text: str, value: float) -> None:
    assert loose_scale(text, wordings=WORDINGS) == value


@pytest.mark.parametrize("text", [
    # a half alone is no number; a number is never read without its half
    "half", "a half", "en halv", "halv", "Half the team was out", "Halva teamet var sjukt",
    "5 and a half", "fem och en halv", "3.5 and a half", "3,5 och en halv",
    "3 and a half out of 10", "tre och en halv av tio", "between 3 and 3 and a half",
    "3 and a half to 4", "Two and a half meetings too many", "Tre och en halv möten",
])
def test_a_half_in_words_is_never_dropped(text: str) -> None:
    assert loose_scale(text, wordings=WORDINGS) is None


@pytest.mark.parametrize("text", [
    "beror på dagen", "7", "4/10", "2-4", "3,7", "4.25", "5,5", "0,5", "2.5-3", "2.5/10",
    "between 2.5 and 3.5", "3,5 eller 4", "mellan 2 och 4",
    "en bra vecka", "Tre saker stör mig: 2 möten och 1 deadline", "",
    # another scale, off the scale, or wider than two neighbours
    "fyra av tio", "7 out of 10", "a solid 7", "en stark sexa", "between 1 and 4", "2 eller 4",
    "sju", "5-6",
    # two competing numbers, or a number word inside a sentence
    "3 now, 4 yesterday", "3 och teamet 4", "jag är trea i kön, 4", "Laget kom trea",
    "two meetings too many", "We were three in the room", "between 3", "en",
    "About two weeks of 3 meetings a day", "Ganska trött, tre möten idag",
    "Jag pratade med en trea i kön", "Två möten för mycket", "4:a gången i år, 2",
])
def test_stays_text_when_unclear_or_off_the_scale(text: str) -> None:
    assert loose_scale(text, wordings=WORDINGS) is None


@given(st.text(max_size=60))
def test_never_raises_and_stays_on_the_scale(text: str) -> None:
    value = loose_scale(text, wordings=WORDINGS)
    assert value is None or 1 <= value <= 5


@pytest.mark.parametrize(("text", "value"), [
    # the number given, qualified by "almost" its neighbour: still that number ("a strong 3")
    ("Fyra, nästan fem faktiskt!", 4), ("fyra nästan fem", 4), ("Tre, nästan fyra", 3),
    ("four, almost five", 4), ("Four, nearly five actually", 4), ("4, almost 5", 4),
    ("4 almost 5", 4), ("two, almost three!", 2), ("fyra – nästan fem", 4),
])
def test_almost_its_neighbour_qualifies_the_number_given(text: str, value: int) -> None:
    assert loose_scale(text, wordings=WORDINGS) == value


@pytest.mark.parametrize("text", [
    # a hedged second number is two numbers, unclear: text with a problem
    "tre, kanske fyra", "3, maybe 4", "3, kanske 4", "three, perhaps four",
    # "almost" a number that is no neighbour, off the scale, or counting something
    "fyra, nästan sju", "2, almost 4", "four, almost five meetings", "Tre, nästan fyra veckor kvar",
    "5, almost 6",
])
def test_a_second_number_that_is_no_qualifier_stays_unclear(text: str) -> None:
    assert loose_scale(text, wordings=WORDINGS) is None


@pytest.mark.parametrize(("text", "value"), [
    ("I'd say a 2, the flu is still around", 2), ("a 4 today", 4), ("en tvåa, förkyld", 2),
    ("typ fyra", 4), ("3/5", 3), ("2.", 2), ("around 3 I think", 3),
])
def test_leading_reads_a_value_that_comes_first(text: str, value: int) -> None:
    assert loose_scale(text, leading=True) == value


@pytest.mark.parametrize("text", [
    "low after it, 2 weeks sick", "goes to 2 projects", "2 projects is too many",
    "går åt till 2 projekt", "2 möten för mycket", "ok, 3", "drains fast",
])
def test_leading_refuses_a_number_inside_a_sentence(text: str) -> None:
    assert loose_scale(text, leading=True) is None
