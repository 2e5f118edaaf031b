"""MIME assembly, Babel filters and error translation of :mod:`mailer.outbound.compose`."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from mailer import addressing
from mailer.errors import TemplateError
from mailer.models import RenderedMail
from mailer.outbound import compose, samples

MAIL = RenderedMail(subject="Avstämning måndag 30 november 2026",
                    text="Hej Anna!\n\n1. Vad fungerar bra?\n", html="<p>Hej Anna!</p>")
AT = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def build(**changes):
    options = dict(to="anna@example.com", to_name="Anna Berg", from_name="Team check-in",
                   from_address="checkin@example.com",
                   message_id="<abcdefghijklmnop.checkin@example.com>",
                   reply_to="checkin@example.com", token="abcdefghijklmnop", date=AT)
    return compose.build_message(MAIL, **(options | changes))


def parsed(message):
    return email.message_from_bytes(message.as_bytes(policy=email.policy.SMTP),
                                    policy=email.policy.default)


def test_message_is_multipart_alternative_text_first():
    msg = parsed(build())
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == MAIL.text
    assert msg.get_body(("html",)).get_content().strip() == MAIL.html


def test_headers_token_and_date():
    msg = parsed(build(headers={"Auto-Submitted": "auto-replied", "X-Mailer-Kind": "checkin"}))
    assert msg["Subject"] == f"{MAIL.subject} [#abcdefghijklmnop]"
    assert addressing.token_from_subject(msg["Subject"]) == "abcdefghijklmnop"
    assert msg["Message-ID"] == "<abcdefghijklmnop.checkin@example.com>"
    assert msg["From"] == "Team check-in <checkin@example.com>"
    assert msg["To"] == "Anna Berg <anna@example.com>"
    assert msg["Reply-To"] == "checkin@example.com"
    assert msg["Date"].datetime == AT
    assert msg["Auto-Submitted"] == "auto-replied" and msg["X-Mailer-Kind"] == "checkin"
    assert msg["MIME-Version"] == "1.0"


def test_no_token_no_subject_tag_and_no_auto_submitted_by_default():
    msg = parsed(build(token=None))
    assert msg["Subject"] == MAIL.subject and msg["Auto-Submitted"] is None


def test_wire_form_is_seven_bit_and_round_trips_swedish():
    raw = build().as_bytes(policy=email.policy.SMTP)
    assert all(byte < 128 for byte in raw)
    assert "Avstämning" in parsed(build())["Subject"]
    assert "Hej Anna!" in parsed(build()).get_body(("plain",)).get_content()


@pytest.mark.parametrize("field", ["to_name", "from_name", "reply_to", "message_id"])
def test_header_injection_is_refused(field):
    with pytest.raises(ValueError, match=field):
        build(**{field: "x\r\nBcc: victim@example.org"})


def test_injection_via_subject_or_extra_headers_is_refused():
    with pytest.raises(ValueError):
        compose.build_message(RenderedMail("Hi\nBcc: x@example.org", "t", "<p>h</p>"),
                              to="a@example.com", to_name="A", from_name="B",
                              from_address="b@example.com", message_id="<x@example.com>",
                              reply_to="b@example.com", token=None, date=AT)
    with pytest.raises(ValueError):
        build(headers={"X-Note": "a\nBcc: x@example.org"})
    with pytest.raises(ValueError, match="aware"):
        build(date=datetime(2026, 11, 30, 9, 0))


@pytest.mark.parametrize(("language", "full", "month"), [
    ("sv", "måndag 30 november 2026", "november 2026"),
    ("sv_SE", "måndag 30 november 2026", "november 2026"),
    ("en_GB", "Monday, 30 November 2026", "November 2026"),
    ("en_US", "Monday, November 30, 2026", "November 2026"),
])
def test_babel_filters(language, full, month):
    assert compose.format_date(date(2026, 11, 30), language) == full
    assert compose.format_date(AT, language, "full") == full
    assert compose.format_month(AT, language) == month
    assert compose.format_time(AT, language) in ("09:00", "9:00\u202fAM", "9:00 AM")


def test_babel_locale_from_language_and_country():
    assert compose.babel_locale("sv", "SE") == "sv_SE"
    assert compose.babel_locale("en", "AU") == "en_AU"
    assert compose.babel_locale("sv", "AU") == "sv"  # CLDR has no Swedish for Australia
    assert compose.babel_locale("en", None) == "en"


def test_environment_filters_escaping_and_strictness(tmp_path):
    env = compose.build_environment(samples.sample_config(tmp_path))
    text = env.from_string("{{ d|format_date('sv', 'long') }} {{ x }}")
    assert text.render(d=date(2026, 11, 30), x="<b>") == "30 november 2026 <b>"
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ missing }}").render()
    assert env.select_template(["en/checkin.html.j2"]).environment.is_async is False
    assert env.autoescape("en/checkin.html.j2") and not env.autoescape("en/checkin.txt.j2")


def test_render_errors_are_template_errors_not_jinja_errors(tmp_path):
    env = compose.build_environment(samples.sample_config(tmp_path))
    with pytest.raises(TemplateError, match="en/checkin.txt.j2"):
        compose.render(env, "checkin", "en", {})  # every variable missing


def test_prompt_context_is_local_to_the_person():
    team = samples.sample_team()
    chloe = team.members[2]
    at = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # Monday 09:00 in Sydney
    context = compose.prompt_context("checkin", team=team, person=chloe, questions=(),
                                     due_at=at, period="2026-11-30")
    assert context["date"] == date(2026, 11, 30) and context["due_at"].hour == 9
    assert context["locale"] == "en_AU" and context["language"] == "en"
    assert context["pause_until"] == date(2026, 12, 14)
    assert context["manager"]["name"] == "Lena Holm" and context["goals"] == list(chloe.goals)


# --------------------------------------------------------------------------- the wire form


def test_wire_form_lines_and_line_endings():
    raw = compose.build_raw(RenderedMail("Ä" * 120, "å" * 300 + "\n", "<p>" + "ö" * 400 + "</p>"),
                            to="a@example.com", to_name="Åsa Öberg-Långnamn " * 4,
                            from_name="Team check-in", from_address="checkin@example.com",
                            message_id="<x@example.com>", reply_to="checkin@example.com",
                            token="abcdefghijklmnop", date=AT)
    assert raw.isascii() and b"\n" not in raw.replace(b"\r\n", b"")
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_non_ascii_names_and_subjects_round_trip():
    msg = parsed(build(to_name="Åsa Öberg", from_name='Team "check-in", Nord'))
    assert msg["To"].addresses[0].display_name == "Åsa Öberg"
    assert msg["From"].addresses[0].display_name == 'Team "check-in", Nord'
    long_subject = "Avstämning måndag 30 november 2026 för teamet Plattform och Infrastruktur"
    mail = RenderedMail(long_subject, "x\n", "<p>x</p>")
    message = compose.build_message(mail, to="a@example.com", to_name="A", from_name="B",
                                    from_address="b@example.com", message_id="<x@example.com>",
                                    reply_to="b@example.com", token="abcdefghijklmnop", date=AT)
    assert message["Subject"] == f"{long_subject} [#abcdefghijklmnop]"


@pytest.mark.parametrize("source", [
    '<p style="color: #111;">Hej Åsa &amp; Öjvind – “två” minuter</p>\n',
    "<style>p::before { content: \"→\"; }</style><p>Hej</p>\n",
    "<p>" + "x" * 1200 + "</p>\n",  # over RFC 5322's 998 characters a line
])
def test_html_part_is_exactly_the_rendered_html(source):
    msg = parsed(compose.build_message(RenderedMail("s", "t\n", source), to="a@example.com",
                                       to_name="A", from_name="B", from_address="b@example.com",
                                       message_id="<x@example.com>", reply_to="b@example.com",
                                       token=None, date=AT))
    part = msg.get_body(("html",))
    assert part["Content-Transfer-Encoding"] == "quoted-printable"
    assert part.get_content().replace("\r\n", "\n") == source


def test_build_message_is_the_wire_form_parsed():
    raw = compose.build_raw(MAIL, to="anna@example.com", to_name="Anna Berg",
                            from_name="Team check-in", from_address="checkin@example.com",
                            message_id="<abcdefghijklmnop.checkin@example.com>",
                            reply_to="checkin@example.com", token="abcdefghijklmnop", date=AT)
    assert build().as_bytes(policy=email.policy.SMTP) == raw
