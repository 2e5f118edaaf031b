"""parse_config on plain dicts (every rule, located messages, defaults) and load_config on files."""

from __future__ import annotations

import copy
import re
import tomllib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailer.config import load as config_module
from mailer.config import providers
from mailer.config.load import load_config, parse_config
from mailer.config.sections import PRIVACY_KEYS
from mailer.errors import ConfigError
from mailer.models import Config, MonthlyRule

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.toml"
DEMO = ROOT / "config" / "demo.toml"

# Every problem starts with a key path: teams[0].members[2].timezone, smtp.port, line 3...
LOCATED = re.compile(r"^[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*: \S")


def minimal() -> dict[str, Any]:
    """A valid config with only the required keys (three members, for member paths)."""
    return copy.deepcopy({
        "service": {"timezone": "Europe/Stockholm", "language": "sv"},
        "smtp": {"host": "smtp.example.com", "username": "checkin@example.com",
                 "password_env": "MAILER_SMTP_PASSWORD",
                 "from": "Team check-in <checkin@example.com>"},
        "imap": {"host": "imap.example.com", "username": "checkin@example.com",
                 "password_env": "MAILER_IMAP_PASSWORD"},
        "teams": [{
            "name": "platform",
            "manager": {"name": "Maria Lind", "email": "maria@example.com"},
            "members": [
                {"name": "Anna Berg", "email": "anna@example.com"},
                {"name": "Erik Holm", "email": "erik@example.com"},
                {"name": "Sofia Nyström", "email": "sofia@example.com"},
            ],
        }],
    })


def problems_of(data: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


def only_problem(data: dict[str, Any]) -> str:
    problems = problems_of(data)
    assert len(problems) == 1, problems
    return problems[0]


# --------------------------------------------------------------------------- valid configs


def test_minimal_config_gets_every_default() -> None:
    config = parse_config(minimal())
    service, smtp, imap = config.service, config.smtp, config.imap
    assert service.data_dir == Path("data") and service.secret_env == "MAILER_SECRET"
    assert service.catch_up == timedelta(hours=3) and service.retention_months == 24
    assert service.templates_dir is None and service.text_retention_months is None
    assert (smtp.port, smtp.security, smtp.max_connections, smtp.plus_tokens) == (
        587, "starttls", 4, False)
    assert (smtp.from_name, smtp.from_address) == ("Team check-in", "checkin@example.com")
    assert (imap.port, imap.security, imap.folder, imap.poll_seconds) == (993, "tls", "INBOX", 60)
    assert imap.max_message_bytes == 10 * 1024 * 1024
    assert imap.processed_folder == "Checkins/Processed"
    team = config.teams[0]
    assert team.display_name == "platform" and team.confirmations and team.availability == ""
    schedules = (team.checkin, team.review, team.feedback, team.reflection, team.digest,
                 team.meeting)
    assert schedules == (None, None, None, None, None, None)
    assert team.manager.language == "sv" and team.manager.timezone.key == "Europe/Stockholm"
    anna = team.members[0]
    assert (anna.language, anna.timezone.key, anna.country, anna.goals, anna.away) == (
        "sv", "Europe/Stockholm", "SE", (), ())
    assert config.path is None


def test_language_defaults_to_english_when_the_service_names_none() -> None:
    data = minimal()
    del data["service"]["language"]
    assert parse_config(data).teams[0].members[0].language == "en"


def test_default_ports_follow_security() -> None:
    data = minimal()
    data["smtp"]["security"] = "tls"
    data["imap"]["security"] = "starttls"
    config = parse_config(data)
    assert (config.smtp.port, config.imap.port) == (465, 143)


def test_emails_are_lowercased_and_the_sender_split() -> None:
    data = minimal()
    data["teams"][0]["members"][0].update(email="Anna@Example.COM", aliases=["A.Berg@Example.com"])
    data["teams"][0]["manager"]["email"] = "MARIA@example.com"
    data["smtp"]["from"] = "Check-in <CheckIn@Example.com>"
    config = parse_config(data)
    anna = config.teams[0].members[0]
    assert (anna.email, anna.aliases) == ("anna@example.com", ("a.berg@example.com",))
    assert config.teams[0].manager.email == "maria@example.com"
    assert config.smtp.from_address == "checkin@example.com"


def test_full_team_parses_every_schedule() -> None:
    data = minimal()
    data["teams"][0].update(
        display_name="Platform team", availability="Tis och tors 13-15",
        checkin={"days": ["Fri", "monday", "wed"], "time": "09:00"},
        review={"on": "first monday", "time": "10:00"},
        feedback={"months": [3, 6, 9, 12], "on": "first tuesday", "time": "10:00",
                  "min_respondents": 4},
        reflection={"on": "Last Friday", "time": "14:00", "months": [1, 7]},
        digest={"day": "fri", "time": "15:00"},
        meeting={"day": "tuesday", "time": "10:00", "brief_minutes_before": 45},
        confirmations=False,
    )
    team = parse_config(data).teams[0]
    assert team.checkin is not None and team.checkin.days == (0, 2, 4)
    assert team.checkin.time == time(9, 0)
    assert team.review is not None and team.review.on == MonthlyRule(1, 0, None, "first monday")
    assert team.feedback is not None and team.feedback.months == (3, 6, 9, 12)
    assert team.feedback.min_respondents == 4
    assert team.reflection is not None and team.reflection.on.nth == -1
    assert team.reflection.months == (1, 7)
    assert team.digest is not None and (team.digest.day, team.digest.time) == (4, time(15))
    assert team.meeting is not None and team.meeting.brief_minutes_before == 45
    assert (team.display_name, team.confirmations) == ("Platform team", False)


@pytest.mark.parametrize(("text", "rule"), [
    ("first monday", MonthlyRule(nth=1, weekday=0, text="first monday")),
    ("Second WEDNESDAY", MonthlyRule(nth=2, weekday=2, text="Second WEDNESDAY")),
    ("third thu", MonthlyRule(nth=3, weekday=3, text="third thu")),
    ("fourth sunday", MonthlyRule(nth=4, weekday=6, text="fourth sunday")),
    ("last fri", MonthlyRule(nth=-1, weekday=4, text="last fri")),
    ("day 28", MonthlyRule(day=28, text="day 28")),
    ("day 1", MonthlyRule(day=1, text="day 1")),
])
def test_on_expressions(text: str, rule: MonthlyRule) -> None:
    data = minimal()
    data["teams"][0]["review"] = {"on": text, "time": "10:00"}
    review = parse_config(data).teams[0].review
    assert review is not None and review.on == rule


@pytest.mark.parametrize(("value", "expected"), [
    ("3h", timedelta(hours=3)), ("90m", timedelta(minutes=90)), ("1h30m", timedelta(minutes=90)),
    ("2 h 15 min", timedelta(minutes=135)), (45, timedelta(minutes=45)), (0, timedelta(0)),
])
def test_catch_up_formats(value: object, expected: timedelta) -> None:
    data = minimal()
    data["service"]["catch_up"] = value
    assert parse_config(data).service.catch_up == expected


def test_toml_native_dates_and_times_are_accepted() -> None:
    data = tomllib.loads('a = 2026-12-21\nb = 2026-12-24\nt = 09:30:00\n')
    config = minimal()
    config["teams"][0]["members"][0]["away"] = [{"from": data["a"], "to": data["b"]}]
    config["teams"][0]["checkin"] = {"days": ["mon"], "time": data["t"]}
    team = parse_config(config).teams[0]
    assert date(2026, 12, 23) in team.members[0].away[0]
    assert team.checkin is not None and team.checkin.time == time(9, 30)


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    data = minimal()
    data["service"].update(data_dir="state", templates_dir="tpl")
    data["smtp"]["ca_file"] = "certs/ca.pem"
    data["imap"]["ca_file"] = "/etc/ssl/private-ca.pem"
    config = parse_config(data, base_dir=tmp_path)
    assert config.service.data_dir == tmp_path / "state"
    assert config.service.templates_dir == tmp_path / "tpl"
    assert config.smtp.ca_file == tmp_path / "certs" / "ca.pem"
    assert config.imap.ca_file == Path("/etc/ssl/private-ca.pem")
    assert parse_config(data).service.data_dir == Path("state")


def test_team_question_overrides() -> None:
    data = minimal()
    data["teams"][0]["questions"] = {"checkin": [
        {"id": "focus", "type": "text", "sv": "Fokus?", "en": "Focus?", "labels": ["Focus"]}]}
    questions = parse_config(data).teams[0].questions["checkin"]
    assert [(q.id, q.wording("sv"), q.labels) for q in questions] == [
        ("focus", "Fokus?", ("focus",))]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", "LOCALHOST"])
def test_security_none_is_allowed_towards_loopback(host: str) -> None:
    data = minimal()
    data["smtp"].update(host=host, security="none")
    data["imap"].update(host=host, security="none")
    config = parse_config(data)
    assert (config.smtp.port, config.imap.port) == (25, 143)


@pytest.mark.parametrize("host", ["10.0.0.5", "192.168.1.1", "::2", "localhost.example.com"])
def test_security_none_is_refused_towards_other_hosts(host: str) -> None:
    data = minimal()
    data["smtp"].update(host=host, security="none")
    assert only_problem(data).startswith("smtp.security: \"none\" sends the password")


def test_smtp_without_username_needs_no_password() -> None:
    data = minimal()
    del data["smtp"]["username"], data["smtp"]["password_env"]
    assert parse_config(data).smtp.username is None


# --------------------------------------------------------------------------- rejections


def test_the_time_zone_typo_of_the_issue() -> None:
    data = minimal()
    data["teams"][0]["members"][2]["timezone"] = "Europe/Stockholn"
    assert only_problem(data) == ('teams[0].members[2].timezone: unknown time zone '
                                  '"Europe/Stockholn" (did you mean "Europe/Stockholm"?)')


def _set(path: str, value: object) -> dict[str, Any]:
    """minimal() with the dotted ``path`` (list indexes as numbers) set to ``value``."""
    data = minimal()
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return data


def _delete(path: str) -> dict[str, Any]:
    data = minimal()
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    del node[last]
    return data


REJECTIONS = [
    # (id, data, expected key path, fragments of the message)
    ("typo-team-key", _set("teams.0.checkn", {}), "teams[0].checkn",
     ['unknown key (did you mean "checkin"?)']),
    ("typo-top-key", _set("servce", {}), "servce", ['did you mean "service"?']),
    ("unknown-key-lists-expected", _set("smtp.zzz", 1), "smtp.zzz",
     ["unknown key; expected one of: host, port"]),
    ("typo-member-key", _set("teams.0.members.1.timzone", "UTC"), "teams[0].members[1].timzone",
     ['did you mean "timezone"?']),
    ("service-tz", _set("service.timezone", "Mars/Olympus"), "service.timezone",
     ['unknown time zone "Mars/Olympus"', "expected an IANA name"]),
    ("tz-case", _set("teams.0.manager.timezone", "america/new_york"), "teams[0].manager.timezone",
     ['did you mean "America/New_York"?']),
    ("member-email", _set("teams.0.members.0.email", "anna.example.com"),
     "teams[0].members[0].email", ['"anna.example.com" is not an email address', "expected"]),
    ("manager-email", _set("teams.0.manager.email", "Maria <maria@example.com>"),
     "teams[0].manager.email", ["is not an email address", "without a name or angle brackets"]),
    ("alias-email", _set("teams.0.members.0.aliases", ["anna@"]), "teams[0].members[0].aliases",
     ['"anna@" is not an email address']),
    ("duplicate-email", _set("teams.0.members.2.email", "ANNA@example.com"),
     "teams[0].members[2].email", ['"anna@example.com" is already used by teams[0].members[0]']),
    ("alias-duplicates-email", _set("teams.0.members.1.aliases", ["anna@example.com"]),
     "teams[0].members[1].aliases", ["already used by teams[0].members[0]"]),
    ("smtp-from", _set("smtp.from", "Check-in <checkin@>"), "smtp.from",
     ["is not a sender", '"Display Name <address@example.com>"']),
    ("security-none-remote-smtp", _set("smtp.security", "none"), "smtp.security",
     ["only allowed towards a loopback host", '"smtp.example.com"', '"starttls" or "tls"']),
    ("security-none-remote-imap", _set("imap.security", "none"), "imap.security",
     ["loopback host"]),
    ("security-unknown", _set("smtp.security", "ssl"), "smtp.security",
     ['"ssl" is not a security mode', '"starttls", "tls" or "none"']),
    ("weekday", _set("teams.0.checkin", {"days": ["mon", "thurs"], "time": "09:00"}),
     "teams[0].checkin.days", ['unknown weekday "thurs" (did you mean "thursday"?)']),
    ("weekday-twice", _set("teams.0.checkin", {"days": ["mon", "Monday"], "time": "09:00"}),
     "teams[0].checkin.days", ["listed twice"]),
    ("digest-day", _set("teams.0.digest", {"day": "fredag", "time": "15:00"}),
     "teams[0].digest.day", ['unknown weekday "fredag"', '"mon".."sun"']),
    ("on-fifth", _set("teams.0.review", {"on": "fifth monday", "time": "10:00"}),
     "teams[0].review.on", ['"fifth monday" is not understood', "first|second|third|fourth|last"]),
    ("on-day-31", _set("teams.0.reflection", {"on": "day 31", "time": "10:00"}),
     "teams[0].reflection.on", ["from 1 to 28", '"last friday"']),
    ("on-weekday", _set("teams.0.feedback", {"on": "first funday", "time": "10:00"}),
     "teams[0].feedback.on", ['unknown weekday "funday"']),
    ("on-one-word", _set("teams.0.review", {"on": "monday", "time": "10:00"}),
     "teams[0].review.on", ['"day N"']),
    ("time-25", _set("teams.0.checkin", {"days": ["mon"], "time": "25:00"}),
     "teams[0].checkin.time", ['"25:00" is not a time', '"HH:MM"']),
    ("time-minutes", _set("teams.0.digest", {"day": "fri", "time": "15:60"}),
     "teams[0].digest.time", ['"15:60" is not a time']),
    ("time-number", _set("teams.0.meeting", {"day": "tue", "time": 900}),
     "teams[0].meeting.time", ["900 is not a time"]),
    ("port-high", _set("smtp.port", 70000), "smtp.port", ["from 1 to 65535, got 70000"]),
    ("port-zero", _set("imap.port", 0), "imap.port", ["from 1 to 65535"]),
    ("port-string", _set("smtp.port", "587"), "smtp.port", ['got "587"']),
    ("port-bool", _set("smtp.port", True), "smtp.port", ["got true"]),
    ("slug", _set("teams.0.name", "Platform Team"), "teams[0].name",
     ['"Platform Team" is not a slug', 'e.g. "platform-team"', "display_name"]),
    ("service-language", _set("service.language", "de"), "service.language",
     ['language "de" is not supported; expected "sv" or "en"']),
    ("member-language", _set("teams.0.members.1.language", "EN "), "teams[0].members[1].language",
     ['expected "sv" or "en"']),
    ("country", _set("teams.0.members.0.country", "XX"), "teams[0].members[0].country",
     ['unknown country code "XX"', '"SE"']),
    ("away-reversed", _set("teams.0.members.0.away", [{"from": "2027-01-06", "to": "2026-12-21"}]),
     "teams[0].members[0].away[0].to", ["2026-12-21 is before from (2027-01-06)"]),
    ("away-bad-date", _set("teams.0.members.0.away", [{"from": "2026-13-01", "to": "2026-12-21"}]),
     "teams[0].members[0].away[0].from", ['"2026-13-01" is not a date', '"YYYY-MM-DD"']),
    ("away-missing-to", _set("teams.0.members.0.away", [{"from": "2026-12-01"}]),
     "teams[0].members[0].away[0].to", ["missing; expected a date"]),
    ("catch-up-words", _set("service.catch_up", "3 hours"), "service.catch_up",
     ['"3 hours" is not a duration', '"1h30m"']),
    ("catch-up-huge", _set("service.catch_up", "200h"), "service.catch_up", ["out of range"]),
    ("catch-up-negative", _set("service.catch_up", -5), "service.catch_up", ["out of range"]),
    ("text-retention", _set("service.text_retention_months", 30), "service.text_retention_months",
     ["from 1 to retention_months (24)"]),
    ("feedback-quarter", _set("teams.0.feedback", {"on": "day 1", "time": "10:00",
                                                    "months": [10, 12]}),
     "teams[0].feedback.months", ["once a quarter"]),
    ("feedback-month-13", _set("teams.0.feedback", {"on": "day 1", "time": "10:00",
                                                     "months": [13]}),
     "teams[0].feedback.months", ["month numbers 1-12"]),
    ("min-respondents", _set("teams.0.feedback", {"on": "day 1", "time": "10:00",
                                                   "min_respondents": 2}),
     "teams[0].feedback.min_respondents", ["from 3 to 1000", "got 2", "each person who answered"]),
    ("confirmations-string", _set("teams.0.confirmations", "yes"), "teams[0].confirmations",
     ["expected true or false"]),
    ("host-with-port", _set("imap.host", "imap.example.com:993"), "imap.host",
     ["is not a host name", "the port goes in port"]),
    ("host-url", _set("smtp.host", "smtp://smtp.example.com"), "smtp.host", ["without scheme"]),
    ("both-password-sources", _set("smtp.password_command", "pass show smtp"),
     "smtp.password_command", ["either password_env or password_command, not both"]),
    ("no-password-source", _delete("imap.password_env"), "imap.password_env",
     ['"MAILER_IMAP_PASSWORD"', "password_command"]),
    ("password-command-quotes", _set("imap.password_command", "pass 'show"),
     "imap.password_command", ["check its quotes"]),
    ("checkin-not-table", _set("teams.0.checkin", "mon"), "teams[0].checkin",
     ['expected a table such as { days = ["mon", "wed", "fri"], time = "09:00" }']),
    ("checkin-no-time", _set("teams.0.checkin", {"days": ["mon"]}), "teams[0].checkin.time",
     ['missing; expected a 24-hour time "HH:MM"']),
    ("questions-kind", _set("teams.0.questions", {"chekin": []}), "teams[0].questions.chekin",
     ['did you mean "checkin"?']),
    ("questions-content", _set("teams.0.questions", {"review": [{"id": "x", "en": "X?"}]}),
     "teams[0].questions.review[0]", ["missing the wording in sv"]),
    ("own-address", _set("teams.0.members.1.email", "checkin@example.com"),
     "teams[0].members[1]", ["the service's own address"]),
    ("goals-not-list", _set("teams.0.members.0.goals", "ship it"), "teams[0].members[0].goals",
     ["expected a list of strings"]),
    ("poll-seconds", _set("imap.poll_seconds", 1), "imap.poll_seconds", ["from 5 to 86400"]),
    ("timeout", _set("smtp.timeout", 0), "smtp.timeout", ["above 0"]),
]


@pytest.mark.parametrize(("data", "where", "fragments"), [case[1:] for case in REJECTIONS],
                         ids=[case[0] for case in REJECTIONS])
def test_rejected_with_located_message(data: dict[str, Any], where: str,
                                       fragments: list[str]) -> None:
    problem = only_problem(data)
    assert problem.startswith(f"{where}: "), problem
    for fragment in fragments:
        assert fragment in problem


@pytest.mark.parametrize(("path", "missing_expect"), [
    ("service.timezone", 'e.g. "Europe/Stockholm"'),
    ("smtp.host", 'e.g. "smtp.example.com"'),
    ("smtp.from", '"Team check-in <checkin@example.com>"'),
    ("imap.username", '"checkin@example.com"'),
    ("teams.0.name", 'e.g. "platform"'),
    ("teams.0.manager", 'email = "maria@example.com"'),
    ("teams.0.members", "[[teams.members]]"),
    ("teams.0.members.1.email", 'e.g. "anna@example.com"'),
    ("teams.0.manager.name", "the person's name"),
    ("teams", "[[teams]]"),
    ("smtp", "a [smtp] table"),
])
def test_missing_required_key_says_what_is_expected(path: str, missing_expect: str) -> None:
    problems = problems_of(_delete(path))
    where = re.sub(r"\.(\d+)", r"[\1]", path)
    located = [p for p in problems if p.startswith(f"{where}: missing; expected")]
    assert located and missing_expect in located[0], problems


@pytest.mark.parametrize("path", [
    "teams.0.members.0.name", "teams.0.display_name", "teams.0.manager.name", "smtp.from",
    "teams.0.availability", "imap.folder", "teams.0.members.0.email",
])
@pytest.mark.parametrize("bad", ["\r\n", "\n", "\r", "\0"])
def test_line_breaks_and_nul_are_rejected_where_headers_are_built(path: str, bad: str) -> None:
    data = minimal()
    node: Any = data
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = f"Evil{bad}Bcc: victim@example.org"
    problem = only_problem(data)
    where = re.sub(r"\.(\d+)", r"[\1]", path)
    assert problem.startswith(f"{where}: contains a line break (CR/LF) or NUL")


def test_line_break_inside_a_list_is_located() -> None:
    data = _set("teams.0.members.0.goals", ["fine", "two\nlines"])
    assert only_problem(data).startswith("teams[0].members[0].goals[1]: contains a line break")


@pytest.mark.parametrize("where", ["smtp", "imap", "teams.0.manager", "service", "teams.0"])
def test_a_password_key_is_refused_anywhere(where: str) -> None:
    data = _set(f"{where}.password", "hunter2-very-secret")
    problem = only_problem(data)
    located = re.sub(r"\.(\d+)", r"[\1]", where)
    assert problem.startswith(f"{located}.password: never put a password")
    assert "password_env" in problem and "password_command" in problem
    assert "hunter2" not in problem


def test_a_password_put_in_password_env_is_never_echoed() -> None:
    problem = only_problem(_set("smtp.password_env", "hunter2!secret"))
    assert problem.startswith("smtp.password_env: expected the NAME of an environment variable")
    assert "hunter2" not in problem


def test_a_misspelt_key_is_reported_with_the_key_it_leaves_missing() -> None:
    data = _set("teams.0.members.0.away", [{"form": "2026-12-01", "until": "2026-12-02"}])
    assert problems_of(data) == (
        'teams[0].members[0].away[0].form: unknown key (did you mean "from"?)',
        "teams[0].members[0].away[0].until: unknown key; expected one of: from, to",
        'teams[0].members[0].away[0].from: missing; expected a date "YYYY-MM-DD" (both ends '
        "are included)",
        'teams[0].members[0].away[0].to: missing; expected a date "YYYY-MM-DD" (both ends '
        "are included)",
    )


def test_duplicate_team_names() -> None:
    data = minimal()
    data["teams"].append(copy.deepcopy(data["teams"][0]))
    assert only_problem(data) == ('teams[1].name: team name "platform" is already used by '
                                  "teams[0]; team names must be unique")


def test_five_mistakes_give_five_located_problems() -> None:
    data = minimal()
    data["service"]["timezone"] = "Europe/Stockholn"
    data["smtp"]["port"] = 99999
    data["imap"]["security"] = "none"
    data["teams"][0]["checkin"] = {"days": ["mon"], "time": "25:00"}
    data["teams"][0]["members"][1]["email"] = "erik(at)example.com"
    problems = problems_of(data)
    assert [p.split(":")[0] for p in problems] == [
        "service.timezone", "smtp.port", "imap.security", "teams[0].checkin.time",
        "teams[0].members[1].email"]
    assert all(LOCATED.match(p) for p in problems), problems


def test_an_empty_document_lists_every_missing_section() -> None:
    problems = problems_of({})
    assert [p.split(":")[0] for p in problems] == ["service", "smtp", "imap", "teams"]


def test_config_error_summary_counts_problems() -> None:
    data = _set("smtp.port", 0)
    data["imap"]["port"] = 0
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert str(info.value) == "2 problems in the config"


# --------------------------------------------------------------------------- files


def test_load_config_reports_line_and_column_of_broken_toml(tmp_path: Path) -> None:
    path = tmp_path / "mailer.toml"
    path.write_text('[service]\ntimezone = "Europe/Stockholm"\nlanguage = sv\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems == ("line 3, column 12: not valid TOML: Invalid value",)
    assert str(info.value).startswith(f"{path}: line 3, column 12")


def test_load_config_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert "no such file" in str(info.value) and "config/example.toml" in str(info.value)


def test_load_config_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Nyström"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_load_config_locates_problems_and_resolves_paths(tmp_path: Path) -> None:
    path = tmp_path / "mailer.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("port = 587", "port = 0"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == str(path)
    assert info.value.problems == ("smtp.port: expected a whole number from 1 to 65535, got 0",)
    good = tmp_path / "good.toml"
    good.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    config = load_config(good)
    assert config.path == good and config.service.data_dir == tmp_path / "data"


# --------------------------------------------------------------------------- shipped configs


def test_example_config_parses() -> None:
    config = load_config(EXAMPLE)
    assert isinstance(config, Config) and config.teams[0].name == "platform"
    team = config.teams[0]
    assert all((team.checkin, team.review, team.feedback, team.reflection, team.digest,
                team.meeting))


def test_min_respondents_defaults_to_five_and_privacy_is_optional() -> None:
    config = parse_config(_set("teams.0.feedback", {"on": "first tuesday", "time": "10:00"}))
    assert config.teams[0].feedback is not None
    assert config.teams[0].feedback.min_respondents == 5
    assert config.privacy.controller is None
    data = minimal()
    data["privacy"] = {"controller": "Exempel AB", "contatc": "x"}
    assert only_problem(data).startswith("privacy.contatc: unknown key")
    data["privacy"] = {"legal_basis": {"sv": "Berättigat intresse", "en": "Legitimate interest"}}
    privacy = parse_config(data).privacy
    assert (privacy.legal_basis_in("sv"), privacy.legal_basis_in("en")) == (
        "Berättigat intresse", "Legitimate interest")
    data["privacy"] = {"legal_basis": {"de": "Berechtigtes Interesse"}}
    assert only_problem(data).startswith("privacy.legal_basis: expected the legal basis in words")


def test_example_config_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    keys = {*config_module._SERVICE_KEYS, *config_module._SMTP_KEYS, *config_module._IMAP_KEYS,
            *config_module._TEAM_KEYS, *config_module._MEMBER_KEYS, *PRIVACY_KEYS, *providers.OAUTH2_KEYS,
            "min_respondents", "months",
            "brief_minutes_before", "on", "days", "day", "time", "from", "to"}
    undocumented = sorted(k for k in keys
                          if not re.search(rf"(^|[\s{{,#]){k} = |\[\[teams\.{k}\b", text, re.MULTILINE))
    assert not undocumented


def test_demo_config_has_what_the_demo_needs() -> None:
    raw = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    assert raw["service"]["data_dir"] == "data"
    config = load_config(DEMO)
    team, english = config.teams  # the story is played in the first; the second is in English
    assert english.manager.language == "en" and {m.language for m in english.members} == {"en"}
    assert english.checkin is not None and english.digest is not None
    members = team.members
    assert team.name == "platform" and len(members) == 6
    assert len({m.timezone.key for m in members}) >= 3
    assert {m.language for m in members} == {"sv", "en"}
    assert all(m.goals for m in members)
    away = [p for m in members for p in m.away]
    assert away and all(date(2026, 12, 1) <= p.start <= p.end <= date(2026, 12, 31) for p in away)
    assert team.checkin is not None and team.checkin.days == (0, 2, 4)
    assert team.review is not None and team.review.on.text == "first monday"
    assert team.feedback is not None and 12 in team.feedback.months
    assert team.reflection is not None and team.meeting is not None
    assert team.digest is not None and (team.digest.day, team.digest.time) == (4, time(15))
    for server in (config.smtp, config.imap):
        assert (server.host, server.security) == ("127.0.0.1", "starttls")
    addresses = [a for t in config.teams for p in (t.manager, *t.members) for a in p.addresses]
    addresses += [config.smtp.from_address, config.imap.username]
    assert all(a.endswith(("@example.com", "@example.se")) for a in addresses)
