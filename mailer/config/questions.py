"""The questions of each prompt kind: defaults from ``templates/questions.toml``, team overrides.

Pure apart from :func:`load_default_questions`, which reads the one data file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mailer.errors import TemplateError
from mailer.kinds import ANSWERED_KINDS
from mailer.models import LANGUAGES, Question, Team
from mailer.resources import builtin_templates

#: The folder of the built-in templates (package data, see :mod:`mailer.resources`).
BUILTIN_TEMPLATES = builtin_templates()

QuestionSet = Mapping[str, tuple[Question, ...]]


def parse_questions(items: Any, *, where: str) -> tuple[tuple[Question, ...], list[str]]:
    """Questions from TOML data (a list of tables); returns them with every problem found."""
    problems: list[str] = []
    questions: list[Question] = []
    if not isinstance(items, list):
        return (), [f"{where}: expected a list of questions"]
    seen: set[str] = set()
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{at}: expected a table with id, type and text per language")
            continue
        unknown = set(item) - {"id", "type", "labels", "former", *LANGUAGES}
        problems += [f"{at}.{key}: unknown key (expected id, type, labels, former, sv, en)"
                     for key in sorted(unknown)]
        qid = item.get("id")
        if not isinstance(qid, str) or not qid.replace("_", "").isalnum():
            problems.append(f"{at}.id: expected a word such as \"obstacles\"")
            continue
        if qid in seen:
            problems.append(f"{at}.id: duplicate question id \"{qid}\"")
        seen.add(qid)
        qtype = item.get("type", "text")
        if qtype not in ("text", "scale"):
            problems.append(f"{at}.type: \"{qtype}\" is not \"text\" or \"scale\"")
            continue
        texts: dict[str, str] = {
            lang: item[lang] for lang in LANGUAGES if isinstance(item.get(lang), str)}
        missing = [lang for lang in LANGUAGES if lang not in texts]
        if missing:
            problems.append(f"{at}: missing the wording in {', '.join(missing)}")
            continue
        labels = item.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            problems.append(f"{at}.labels: expected a list of words")
            labels = []
        former = item.get("former", [])
        if not isinstance(former, list) or not all(isinstance(x, str) for x in former):
            problems.append(f"{at}.former: expected a list of earlier wordings")
            former = []
        questions.append(Question(qid, texts, qtype, tuple(x.lower() for x in labels),
                                  tuple(former)))
    return tuple(questions), problems


def load_default_questions(templates_dir: Path | None = None) -> dict[str, tuple[Question, ...]]:
    """Read ``questions.toml`` from the team's template folder, else the built-in one."""
    path = (templates_dir or BUILTIN_TEMPLATES) / "questions.toml"
    if not path.exists():
        path = BUILTIN_TEMPLATES / "questions.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(f"{path}: {exc}") from exc
    result: dict[str, tuple[Question, ...]] = {}
    problems: list[str] = []
    for kind in ANSWERED_KINDS:
        questions, found = parse_questions(data.get(kind, []), where=f"{path.name}:{kind}")
        result[kind] = questions
        problems += found
    if problems:
        raise TemplateError("; ".join(problems))
    return result


def questions_for(team: Team, kind: str, defaults: QuestionSet) -> tuple[Question, ...]:
    """The questions a team asks in a prompt kind: its own when configured, else the defaults."""
    return team.questions.get(kind) or defaults.get(kind, ())
