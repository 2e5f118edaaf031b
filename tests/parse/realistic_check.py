"""How a reply's understanding is compared with a case of the realistic set (tests/parse/realistic).

Shared by tests/parse/test_realistic.py and bench/replies.py: one rule for "fully understood".
"""

from __future__ import annotations

from collections.abc import Mapping


def mismatches(result: Mapping[str, object], expected: Mapping[str, object]) -> list[str]:
    """What ``parse_file``'s result gets wrong against a case's YAML ([] when nothing)."""
    wrong = []
    if result["kind"] != expected["kind"]:
        wrong.append(f"kind {result['kind']} ({result['reason']}), expected {expected['kind']}")
    if "out_of_office" in expected and result["out_of_office"] != expected["out_of_office"]:
        wrong.append(f"out_of_office {result['out_of_office']}")
    if "return_date" in expected and result["return_date"] != expected["return_date"]:
        wrong.append(f"return_date {result['return_date']}, expected {expected['return_date']}")
    if expected["kind"] == "reply":
        if result["answers"] != expected.get("answers", {}):
            wrong.append(f"answers {result['answers']}, expected {expected.get('answers', {})}")
        command = result["command"]
        got = None if not isinstance(command, dict) else {
            key: command[key] for key in ("action", "until", "start", "reason") if command[key]}
        if got != expected.get("command"):
            wrong.append(f"command {got}, expected {expected.get('command')}")
    return wrong
