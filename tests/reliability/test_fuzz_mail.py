"""Broken and hostile mail through the pure inbound pipeline: nothing escapes, nothing hangs.

The pipeline is what the poller runs per message before any effect: ``parse_reply`` ->
``inbound.decide`` (with a real ledger in a temporary folder holding sent prompts, and a config
with one team), then the pure parts of carrying the decision out: the record's path and its
YAML as the store writes it (UTF-8), the log line, and the receipt's rendering.
Every message must end as a record, a command, an out-of-office / bounce / ignored automatic
message, or in quarantine, and no exception may escape.

Inputs: the fixture corpora (``tests/messages/*.eml``, ``tests/emails/*.eml``, and the reply
texts ``tests/emails/*.txt`` wrapped as messages), each rewritten to answer a sent prompt,
then mutated (byte flips, truncations, insertions, header duplications and removals, boundary
damage, charset and transfer-encoding swaps, line-ending changes, NUL bytes); plus random
bytes, and the explicit cases below. Hypothesis runs derandomized with no example database,
so CI sees the same examples every time.

Time bounds catch runaway complexity only, never a busy machine: each is at least 20x the
typical time measured, and each is CPU time of the test's thread (``World.timed``), which a
process waiting for a core does not accrue. Garbage collection is held off while the clock
runs; the first pass over the corpus, which imports and compiles, is untimed. The wall-clock
figures (median, p99, max per message; each big case) are printed and written to
``bench/out/reliability.json``: the **100 ms per message** target is judged there and in
bench/README.md, not here (a shared 2-core machine once took 157 ms for one message, and
313 ms with two test suites beside it).

* **LIMIT** for every fuzzed example (mutated corpus messages, up to ~16 KB; random bytes up
  to 20 KB; random headers and bodies) and every explicit case of ordinary size: no charset,
  wrong charset, broken MIME boundaries, 10,000 nested quote levels (one line, a format=flowed
  staircase, 10,000 nested HTML blockquotes), NUL bytes, no From, two From fields, two authors
  in one From, empty messages and bodies. Hypothesis' own ``deadline`` is off: it is wall time.
* **BIG_SECONDS** for the big cases: a 25 MB attachment (~0.9-1.5 s measured on 2 cores), 10 MB
  of inline text, the largest message the poller fetches (~0.5-1 s), and 1 MB headers (one
  long field, a folded field, many fields, a Subject of encoded words, Content-Type parameters
  at the top and in a part, a Message-ID, a From, To/Cc, Authentication-Results, References
  and In-Reply-To; 0.01-0.5 s). Before the fixes found here, 1 MB of Content-Type parameters
  took 15 s (11 s in a part's header), a 1 MB Subject of encoded words 5 s (the stdlib parses
  both in quadratic time: header fields are now cut at 16 KB as they are parsed), a 1 MB
  References or In-Reply-To header 31-36 s (a ledger query per Message-ID: now at most 50),
  and 10 MB of text ~7 s (PyYAML's pure-Python emitter; ``records`` now uses libyaml's).
* **NESTED_SECONDS** for MIME nested 2,000 deep (~0.25-0.4 s; see that test).
"""

from __future__ import annotations

import base64
import gc
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.addressing import message_id as make_message_id
from mailer.addressing import mint_token
from mailer.config.questions import QuestionSet, load_default_questions
from mailer.inbound.decide import decide
from mailer.inbound.decision import Decision
from mailer.inbound.receipts import build_confirmation
from mailer.models import Config, Prompt, Slot
from mailer.outbound.compose import build_environment
from mailer.parse.replies import Reply, parse_reply
from mailer.storage.ledger import Ledger
from mailer.storage.records import dump_record, load_record
from mailer.storage.store import RecordStore
from tests.factories import make_config, member
from tests.reliability.crashes import write_figures

TESTS = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Europe/Stockholm")
SENT_AT = datetime(2026, 12, 18, 9, 0, tzinfo=TZ)
RECEIVED = SENT_AT + timedelta(hours=1)
NOW = SENT_AT + timedelta(hours=2)
SECRET = b"fuzz-test-secret-0123456789abcdef"
# Time bounds catch runaway complexity only, never a busy machine (CI shares 2 cores): each is
# at least 20x the time measured on an idle machine, in CPU time (World.timed). The figures
# (median, p99, max) are printed and written to bench/out/reliability.json; the 100 ms per
# message target is judged on them (bench/README.md).
LIMIT = 2.0  # per ordinary message (slowest seen idle: ~0.1 s; median ~5 ms)
BIG_SECONDS = 20.0  # per big case, CPU: the 25 MB attachment ~1 s idle (20x), the rest <= 0.5 s
NESTED_SECONDS = 5.0  # MIME nested past Python's recursion limit (~0.25 s measured)
OUTCOMES = {"record", "command", "out_of_office", "bounce", "ignored", "quarantine", "review"}
CORPUS_PROMPT_ID = b"<k3jx7w2mfq4yr5zt.checkin@example.com>"
CORPUS_TOKEN = b"k3jx7w2mfq4yr5zt"
MEMBERS = {  # email -> (name, other addresses); the corpus senders are among them
    "anna@example.com": ("Anna Berg", ["anna.berg@gmail.com"]),
    "erik.holm@kund.se": ("Erik Holm", []),
    "sam@example.org": ("Sam Okafor", []),
    "priya.nair@contoso.example": ("Priya Nair", []),
}

# deadline=None: Hypothesis' deadline is wall time, which a busy machine stretches; the CPU
# time bound in World.timed is the one that counts (see the module docstring).
FUZZ = settings(derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                print_blob=False)


# --------------------------------------------------------------------------- the pipeline


@dataclass
class World:
    """A team, its sent prompts in a real ledger, and what the pipeline needs besides."""

    config: Config
    ledger: Ledger
    store: RecordStore
    questions: QuestionSet
    env: Any
    prompts: dict[str, Prompt]
    times: list[float] = field(default_factory=list)

    def handle(self, raw: bytes) -> tuple[Reply, Decision]:
        """The poller's steps for one message, minus I/O; asserts the invariants."""
        reply = parse_reply(raw, received_at=RECEIVED)
        decision = decide(reply, config=self.config, questions=self.questions,
                          lookups=self.ledger, secret=SECRET, now=NOW)
        assert decision.outcome in OUTCOMES, decision
        assert (decision.folder == "quarantine") == (decision.outcome == "quarantine"), decision
        if decision.outcome in ("out_of_office", "bounce", "ignored"):
            assert reply.kind != "reply", (reply.kind, decision)
        if decision.outcome == "review":  # not sure a person wrote it: no record, no receipt
            assert reply.kind == "unsure" and decision.folder == "review", decision
            assert decision.receipt is None and not decision.pauses, decision
        assert decision.log_line()
        record = decision.record
        assert (record is not None) == (decision.outcome == "record"), decision
        if record is not None:
            assert record.id == reply.key and record.member in (*MEMBERS, None)
            self.store.path_for(record)  # refuses unsafe names: must not for our records
            text = dump_record(record)
            text.encode("utf-8")  # what the store writes
            assert load_record(text) == record
        if decision.receipt is not None:
            build_confirmation(self.env, self.config, decision.receipt,
                               message_id="<receipt@example.com>", now=NOW).as_bytes()
        return reply, decision

    def timed(self, raw: bytes, limit: float = LIMIT) -> tuple[Reply, Decision, float]:
        """Run :meth:`handle` against the clock; ordinary messages go into the statistics."""
        # Garbage collection is held off while the clock runs: a full collection of this
        # test process's heap (mostly Hypothesis' own bookkeeping) takes up to ~100 ms by
        # itself, wherever it lands; the pipeline's garbage is collected after.
        gc.disable()
        try:
            started, cpu_started = time.perf_counter(), time.thread_time()
            reply, decision = self.handle(raw)
            seconds = time.perf_counter() - started  # the figure
            cpu = time.thread_time() - cpu_started  # the bound: waiting for a core is not in it
        finally:
            gc.enable()
        if limit == LIMIT:
            self.times.append(seconds)
        assert cpu < limit, f"{cpu:.3f} s of CPU for a message of {len(raw)} bytes"
        return reply, decision, seconds


def _config(data_dir: Path) -> Config:
    return make_config(data_dir=data_dir, imap={"password_env": "MAILER_FUZZ_PASSWORD"},
                       members=[member(name, email, aliases=aliases)
                                for email, (name, aliases) in MEMBERS.items()])


def _prompt(email: str, kind: str = "checkin", period: str = "2026-12-18") -> Prompt:
    slot = Slot("platform", email, kind, period)  # type: ignore[arg-type]
    token = mint_token(slot, SECRET)
    return Prompt(slot=slot, message_id=make_message_id(token, kind, "example.com"),
                  token=token, state="due", due_at=SENT_AT, language="sv",  # type: ignore[arg-type]
                  question_ids=tuple(q.id for q in QUESTIONS.get(kind, ())))


QUESTIONS = load_default_questions()
PROMPTS = {email: _prompt(email) for email in MEMBERS}
FEEDBACK = _prompt("sam@example.org", "feedback", "2026-Q4")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    config = _config(data_dir)
    ledger = Ledger.in_dir(data_dir)
    ledger.ensure([*PROMPTS.values(), FEEDBACK])
    for prompt in (*PROMPTS.values(), FEEDBACK):
        ledger.set_state(prompt.slot.key, "sent", at=SENT_AT)
    found = World(config, ledger, RecordStore(data_dir), QUESTIONS, build_environment(config),
                  PROMPTS)
    for _, raw in MESSAGES:  # warm up, untimed: imports, regexes, template compiles
        found.handle(raw)
    yield found


@pytest.fixture(scope="module", autouse=True)
def timings(world: World) -> Iterator[dict[str, Any]]:
    """Per-message times of the whole module, printed and stored at the end."""
    found: dict[str, Any] = {}
    yield found
    times = sorted(world.times)
    if times:
        found.update(messages=len(times), max_ms=round(times[-1] * 1000, 1),
                     p99_ms=round(times[int(len(times) * 0.99)] * 1000, 1),
                     median_ms=round(times[len(times) // 2] * 1000, 2))
        print(f"\nfuzz: {found}")
        write_figures("fuzz_mail", found)


# --------------------------------------------------------------------------- the corpus


def _header_end(raw: bytes) -> int:
    found = re.search(rb"\r?\n\r?\n", raw)
    return found.start() if found else len(raw)


def _set_header(raw: bytes, name: str, value: bytes) -> bytes:
    end = _header_end(raw)
    head, rest = raw[:end], raw[end:]
    pattern = re.compile(rb"(?im)^" + re.escape(name.encode()) + rb":.*(\r?\n[ \t].*)*$")
    line = name.encode() + b": " + value
    head, found = pattern.subn(lambda _m: line, head, count=1)
    return (head if found else line + b"\n" + head) + rest


def _sender(raw: bytes) -> str | None:
    found = re.search(rb"(?im)^From:.*?([\w.+-]+@[\w.-]+)", raw[:_header_end(raw)])
    return found.group(1).decode().lower() if found else None


def _as_reply(raw: bytes, prompts: dict[str, Prompt], index: int) -> bytes:
    """Rewrite a corpus message to answer a sent prompt: its own sender's when the sender is
    a member (kept as they wrote it), else the n-th member's (who then becomes the sender)."""
    sender = _sender(raw)
    owner = next((email for email, (_, aliases) in MEMBERS.items()
                  if sender in (email, *aliases)), None)
    if owner is None:
        owner = list(MEMBERS)[index % len(MEMBERS)]
        raw = _set_header(raw, "From", f"{MEMBERS[owner][0]} <{owner}>".encode())
    prompt = prompts[owner]
    if CORPUS_PROMPT_ID in raw:
        return raw.replace(CORPUS_PROMPT_ID, prompt.message_id.encode()).replace(
            CORPUS_TOKEN, prompt.token.encode())
    return _set_header(raw, "In-Reply-To", prompt.message_id.encode())


def _wrapped(text: bytes) -> bytes:
    return (b"From: Anna Berg <anna@example.com>\nTo: checkin@example.com\n"
            b"Subject: Re: Check-in\nMessage-ID: <wrapped@example.com>\n"
            b"Date: Fri, 18 Dec 2026 10:12:31 +0100\nMIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=utf-8\n\n" + text)


def _corpus_files() -> list[tuple[str, bytes, bool]]:
    files = [(p, True) for p in sorted((TESTS / "messages").glob("*.eml"))]
    files += [(p, True) for p in sorted((TESTS / "emails").glob("*.eml"))]
    files += [(p, False) for p in sorted((TESTS / "emails").glob("*.txt"))
              if not p.name.endswith(".expected.txt")]
    return [(f"{p.parent.name}/{p.name}", p.read_bytes(), whole) for p, whole in files]


def corpus(prompts: dict[str, Prompt]) -> list[tuple[str, bytes]]:
    return [(name, _as_reply(raw if whole else _wrapped(raw), prompts, n))
            for n, (name, raw, whole) in enumerate(_corpus_files())]


MESSAGES = corpus(PROMPTS)


# --------------------------------------------------------------------------- mutations

CHARSETS = [b"utf-8", b"us-ascii", b"iso-8859-1", b"windows-1252", b"utf-16", b"utf-16-le",
            b"utf-7", b"utf-32", b"shift_jis", b"koi8-r", b"gb2312", b"big5", b"x-unknown",
            b"unknown-8bit", b"", b'"utf-8', b"utf-8'", b"bogus-9", b"idna", b"rot13", b"hex",
            b"base64", b"zlib", b"uu", b"bz2", b"punycode", b"unicode_escape", b"mbcs",
            b"utf_8_sig", b"cp65001", b"x" * 300, "åäö".encode()]
CTES = [b"base64", b"quoted-printable", b"7bit", b"8bit", b"binary", b"x-uuencode", b"uuencode",
        b"bogus", b"", b"base64; x=y", b"BASE64", b"quoted-printable quoted-printable"]
DUPLICATE_AS = {
    "From": [b"Mallory <mallory@evil.example>", b"", b"<>", b"anna@example.com, x@y.example"],
    "Message-ID": [b"<other@example.com>", b"", b"<>"],
    "Content-Type": [b"text/html", b"multipart/mixed", b"text/plain; charset=utf-16"],
    "In-Reply-To": [b"<nothing@example.com>", b""],
    "Subject": [b"Automatic reply: away", b"Undeliverable: x", b""],
    "Auto-Submitted": [b"auto-replied"],
    "Content-Transfer-Encoding": [b"base64", b"quoted-printable"],
}
BOUNDARY_DAMAGE = ["rename_header", "drop_param", "drop_closing", "drop_first", "cut_lines",
                   "empty_param", "space_in_lines", "nest_same"]
ENDINGS = ["crlf", "lf", "cr", "mixed", "trailing_spaces"]
positions = st.integers(0, 2**31)

MUTATION = st.one_of(
    st.tuples(st.just("flip"), positions, st.integers(1, 255)),
    st.tuples(st.just("flips"), positions, st.integers(1, 64), st.integers(0, 2**31)),
    st.tuples(st.just("truncate"), positions),
    st.tuples(st.just("insert"), positions, st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("delete"), positions, st.integers(1, 400)),
    st.tuples(st.just("dup_header"), st.integers(0, 60), st.integers(0, 7)),
    st.tuples(st.just("dup_named"), st.sampled_from(sorted(DUPLICATE_AS)), st.integers(0, 7)),
    st.tuples(st.just("drop_header"), st.integers(0, 60)),
    st.tuples(st.just("drop_named"), st.sampled_from(sorted(DUPLICATE_AS))),
    st.tuples(st.just("boundary"), st.integers(0, 9), st.sampled_from(BOUNDARY_DAMAGE)),
    st.tuples(st.just("charset"), st.integers(0, 9), st.sampled_from(CHARSETS)),
    st.tuples(st.just("cte"), st.integers(0, 9), st.sampled_from(CTES)),
    st.tuples(st.just("endings"), st.sampled_from(ENDINGS)),
    st.tuples(st.just("nul"), positions, st.integers(1, 16)),
    st.tuples(st.just("repeat"), positions, st.integers(1, 200), st.integers(2, 50)),
)


def _fields(raw: bytes) -> list[tuple[int, int]]:
    """(start, end) of each header field, continuation lines included."""
    end = _header_end(raw)
    return [(m.start(), m.end()) for m in
            re.finditer(rb"(?m)^[^ \t\r\n][^\n]*(?:\n[ \t][^\n]*)*(?:\n|\Z)", raw[:end + 1])
            if m.start() < end]


def _nth(items: list[Any], n: int) -> Any:
    return items[n % len(items)] if items else None


def _damage_boundary(raw: bytes, which: int, how: str) -> bytes:
    found = _nth(list(re.finditer(rb'(?i)boundary\s*=\s*"?([^";\s]+)"?', raw)), which)
    if found is None:
        return raw
    boundary = found.group(1)
    delim = re.escape(b"--" + boundary)
    if how == "rename_header":
        return raw[:found.start(1)] + b"X" + boundary[1:] + raw[found.end(1):]
    if how == "drop_param":
        return raw[:found.start()] + raw[found.end():]
    if how == "empty_param":
        return raw[:found.start()] + b'boundary=""' + raw[found.end():]
    if how == "drop_closing":
        return re.sub(delim + rb"--[ \t]*\r?\n?", b"", raw)
    if how == "drop_first":
        return re.sub(rb"(?m)^" + delim + rb"[ \t]*\r?\n", b"", raw, count=1)
    if how == "cut_lines":
        return re.sub(rb"(?m)^" + delim, b"--" + boundary[: len(boundary) // 2], raw)
    if how == "space_in_lines":
        return re.sub(rb"(?m)^" + delim, b"-- " + boundary, raw)
    # nest_same: a part that opens another multipart with the same boundary
    return re.sub(rb"(?m)^(" + delim + rb"[ \t]*\r?\n)",
                  rb"\1Content-Type: multipart/mixed; boundary=" + boundary.replace(b"\\", b"")
                  + b"\n\n\\1", raw, count=1)


def mutate(raw: bytes, mutation: tuple[Any, ...]) -> bytes:
    kind, *args = mutation
    size = max(len(raw), 1)
    if kind == "flip":
        data = bytearray(raw or b"\0")
        data[args[0] % size] ^= args[1]
        return bytes(data)
    if kind == "flips":
        data, step = bytearray(raw or b"\0"), 1 + args[2] % 97
        for k in range(args[1]):
            data[(args[0] + k * step) % size] ^= 1 << (k % 8)
        return bytes(data)
    if kind == "truncate":
        return raw[: args[0] % (len(raw) + 1)]
    if kind == "insert":
        at = args[0] % (len(raw) + 1)
        return raw[:at] + args[1] + raw[at:]
    if kind == "delete":
        at = args[0] % size
        return raw[:at] + raw[at + args[1]:]
    if kind == "nul":
        at = args[0] % (len(raw) + 1)
        return raw[:at] + b"\0" * args[1] + raw[at:]
    if kind == "repeat":
        at = args[0] % size
        return raw[:at] + raw[at:at + args[1]] * args[2] + raw[at:]
    if kind in ("dup_header", "drop_header"):
        span = _nth(_fields(raw), args[0])
        if span is None:
            return raw
        start, end = span
        if kind == "drop_header":
            return raw[:start] + raw[end:]
        line = raw[start:end] if raw[start:end].endswith(b"\n") else raw[start:end] + b"\n"
        at = 0 if args[1] % 2 else end
        return raw[:at] + line + raw[at:]
    if kind in ("dup_named", "drop_named"):
        name = args[0].encode()
        spans = [s for s in _fields(raw) if raw[s[0]:s[1]].lower().startswith(name.lower() + b":")]
        if kind == "drop_named":
            for start, end in reversed(spans):
                raw = raw[:start] + raw[end:]
            return raw
        value = _nth(DUPLICATE_AS[args[0]], args[1])
        at = spans[0][1] if spans and args[1] % 2 else 0
        return raw[:at] + name + b": " + value + b"\n" + raw[at:]
    if kind == "boundary":
        return _damage_boundary(raw, args[0], args[1])
    if kind == "charset":
        found = _nth(list(re.finditer(rb'(?i)charset\s*=\s*"?([^";\s]*)"?', raw)), args[0])
        if found is None:
            return _set_header(raw, "Content-Type", b"text/plain; charset=" + args[1])
        return raw[:found.start(1)] + args[1] + raw[found.end(1):]
    if kind == "cte":
        found = _nth(list(re.finditer(rb"(?im)^Content-Transfer-Encoding:[ \t]*([^\r\n]*)", raw)),
                     args[0])
        if found is None:
            return _set_header(raw, "Content-Transfer-Encoding", args[1])
        return raw[:found.start(1)] + args[1] + raw[found.end(1):]
    # endings
    how = args[0]
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    if how == "crlf":
        return b"\r\n".join(lines)
    if how == "lf":
        return b"\n".join(lines)
    if how == "cr":
        return b"\r".join(lines)
    if how == "mixed":
        return b"".join(line + (b"\r\n" if n % 3 else b"\n") for n, line in enumerate(lines))
    return b"\n".join(line + b"  " for line in lines)


# --------------------------------------------------------------------------- fuzzing


def test_the_rewritten_corpus_is_mostly_recorded(world: World) -> None:
    """The base of the fuzzing reaches every outcome path, records most of all."""
    outcomes = {name: world.timed(raw)[1].outcome for name, raw in MESSAGES}
    counts = {o: list(outcomes.values()).count(o) for o in set(outcomes.values())}
    assert counts.get("record", 0) >= len(MESSAGES) * 3 // 4, counts
    assert {"out_of_office", "ignored", "command", "record"} <= set(counts), counts


@settings(FUZZ, max_examples=1500)
@given(name=st.sampled_from(sorted(dict(MESSAGES))),
       mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_corpus_messages(world: World, name: str,
                                 mutations: list[tuple[Any, ...]]) -> None:
    raw = dict(MESSAGES)[name]
    for mutation in mutations:
        raw = mutate(raw, mutation)
    world.timed(raw)


@settings(FUZZ, max_examples=300)
@given(raw=st.binary(max_size=20_000))
def test_random_bytes(world: World, raw: bytes) -> None:
    world.timed(raw)


HEADER_NAMES = ["From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References",
                "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted", "Date",
                "Authentication-Results", "Return-Path", "Precedence", "X-Autoreply",
                "Content-Disposition", "MIME-Version", "Delivered-To"]


@settings(FUZZ, max_examples=400)
@given(headers=st.lists(st.tuples(st.sampled_from(HEADER_NAMES),
                                  st.binary(max_size=200) | st.text(max_size=80).map(str.encode)),
                        max_size=12),
       body=st.binary(max_size=2000) | st.text(max_size=500).map(str.encode))
def test_random_headers_and_body(world: World, headers: list[tuple[str, bytes]],
                                 body: bytes) -> None:
    raw = b"".join(name.encode() + b": " + value + b"\n" for name, value in headers)
    world.timed(raw + b"\n" + body)


# --------------------------------------------------------------------------- explicit cases


def _reply(world: World, body: bytes, *, content_type: bytes = b"text/plain; charset=utf-8",
           headers: bytes = b"", sender: bytes = b"Anna Berg <anna@example.com>",
           message_id: bytes = b"<explicit@example.com>", threaded: bool = True) -> bytes:
    """A reply to Anna's prompt; ``threaded=False`` leaves out In-Reply-To."""
    prompt = world.prompts["anna@example.com"]
    head = b""
    if sender:
        head += b"From: " + sender + b"\n"
    if threaded:
        head += b"In-Reply-To: " + prompt.message_id.encode() + b"\n"
    return (head + b"To: checkin@example.com\nSubject: Re: Check-in\nMessage-ID: " + message_id
            + b"\nMIME-Version: 1.0\n" + headers + b"Content-Type: " + content_type + b"\n\n"
            + body)


ANSWER = "1. Parprogrammeringen funkar\n2. Väntar på access\n3. 4\n".encode()


@pytest.mark.parametrize(("content_type", "body"), [
    (b"text/plain", ANSWER),  # UTF-8 without a charset
    (b"text/plain", ANSWER.decode().encode("latin-1")),
    (b"text/plain; charset=", ANSWER),
    (b"text/plain; charset=\"\"", ANSWER),
    (b"text/html", b"<p>" + ANSWER.replace(b"\n", b"<br>") + b"</p>"),
], ids=["utf8", "latin1", "empty-param", "empty-quoted", "html"])
def test_no_charset(world: World, content_type: bytes, body: bytes) -> None:
    reply, decision, _ = world.timed(_reply(world, body, content_type=content_type))
    assert decision.outcome == "record" and "Parprogrammeringen" in reply.text


@pytest.mark.parametrize("charset", [
    b"utf-8", b"us-ascii", b"iso-8859-1", b"utf-16", b"utf-32", b"shift_jis", b"x-unknown",
    b"nonsense-charset", b"rot13", b"hex", b"base64", b"zlib", b"idna", b"unicode_escape",
    b"utf-7", b"x" * 500,
])
@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "cp1252"])
def test_wrong_charset(world: World, charset: bytes, encoding: str) -> None:
    body = ANSWER.decode().replace("Väntar", "Väntar – “citat” €").encode(encoding, "replace")
    reply, decision, _ = world.timed(
        _reply(world, body, content_type=b"text/plain; charset=" + charset))
    assert decision.outcome == "record"
    if charset not in (b"utf-16", b"shift_jis"):
        # Those two decode many 8-bit texts without an error, into other scripts: a label
        # that lies that well cannot be caught, only survived.
        assert "3. 4" in reply.full_text.replace("\r", ""), reply.full_text


BROKEN_BOUNDARIES = {
    "no-boundary-param": (b"multipart/alternative", b"--b1\nContent-Type: text/plain\n\n"
                          + ANSWER + b"--b1--\n"),
    "wrong-boundary": (b"multipart/alternative; boundary=zz", b"--b1\nContent-Type: text/plain"
                       b"\n\n" + ANSWER + b"--b1--\n"),
    "unterminated": (b"multipart/mixed; boundary=b1", b"--b1\nContent-Type: text/plain\n\n"
                     + ANSWER),
    "no-parts": (b"multipart/mixed; boundary=b1", ANSWER),
    "empty-boundary": (b'multipart/mixed; boundary=""', b"--\nContent-Type: text/plain\n\n"
                       + ANSWER + b"----\n"),
    "long-boundary": (b"multipart/mixed; boundary=" + b"b" * 5000, b"--" + b"b" * 5000
                      + b"\nContent-Type: text/plain\n\n" + ANSWER + b"--" + b"b" * 5000
                      + b"--\n"),
    "regex-boundary": (b'multipart/mixed; boundary="(.*)+[\\\\"', b"--(.*)+[\\\n"
                       b"Content-Type: text/plain\n\n" + ANSWER + b"--(.*)+[\\--\n"),
    "boundary-in-text": (b"multipart/mixed; boundary=b1", b"--b1\nContent-Type: text/plain\n\n"
                         + ANSWER + b"--b1 and more\n--b1\n--b1--\n--b1--\n"),
    "nested-same": (b"multipart/mixed; boundary=b1", b"--b1\nContent-Type: multipart/mixed; "
                    b"boundary=b1\n\n--b1\nContent-Type: text/plain\n\n" + ANSWER + b"--b1--\n"),
    "part-without-headers": (b"multipart/mixed; boundary=b1", b"--b1\n\n" + ANSWER
                             + b"--b1--\n"),
    "base64-broken": (b"multipart/mixed; boundary=b1", b"--b1\nContent-Type: text/plain; "
                      b"charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                      + base64.b64encode(ANSWER)[:-3] + b"!!\n--b1--\n"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_BOUNDARIES))
def test_broken_mime_boundaries(world: World, case: str) -> None:
    content_type, body = BROKEN_BOUNDARIES[case]
    _, decision, _ = world.timed(_reply(world, body, content_type=content_type))
    assert decision.outcome == "record"


def test_mime_nested_deeper_than_the_recursion_limit(world: World,
                                                     timings: dict[str, Any]) -> None:
    """Regression: 1,200 nested multiparts made the stdlib parser raise RecursionError out of
    parse_reply, and the poller retried that message forever (nothing after it was read).

    Bound: NESTED_SECONDS, not 100 ms. The stdlib parser checks each line against every open
    boundary (quadratic in depth) until Python's recursion limit (~1,000 levels) stops it,
    so any depth costs at most that: ~0.25 s here.
    """
    levels = 2000
    body = (b"".join(b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (n, n + 1)
                     for n in range(levels))
            + b"--b%d\nContent-Type: text/plain\n\n" % levels + ANSWER
            + b"".join(b"--b%d--\n" % n for n in reversed(range(levels + 1))))
    reply, decision, seconds = world.timed(
        _reply(world, body, content_type=b"multipart/mixed; boundary=b0"), limit=NESTED_SECONDS)
    timings["nested_mime_2000_seconds"] = round(seconds, 3)
    assert decision.outcome in ("record", "quarantine")
    assert any("nest" in problem for problem in reply.problems), reply.problems


@pytest.mark.parametrize("shape", ["one-line", "staircase-flowed", "html-blockquotes"])
def test_ten_thousand_nested_quote_levels(world: World, shape: str) -> None:
    if shape == "one-line":
        body, ctype = ANSWER + b"\n" + b">" * 10_000 + b" deepest\n", b"text/plain; charset=utf-8"
    elif shape == "staircase-flowed":  # each level one deeper, 100 levels a line at the end
        body = ANSWER + b"\n" + b"".join(b">" * n + b" level \n" for n in range(1, 10_001, 100))
        body += b">" * 10_000 + b" deepest\n"
        ctype = b"text/plain; charset=utf-8; format=flowed"
    else:
        body = (b"<p>" + ANSWER.replace(b"\n", b"<br>") + b"</p>" + b"<blockquote>" * 10_000
                + b"deepest" + b"</blockquote>" * 10_000)
        ctype = b"text/html; charset=utf-8"
    reply, decision, _ = world.timed(_reply(world, body, content_type=ctype))
    assert decision.outcome == "record" and "Parprogrammeringen" in reply.text
    assert "deepest" not in reply.text


@pytest.mark.parametrize("where", ["header-name", "header-value", "message-id", "body",
                                   "boundary", "all"])
def test_nul_bytes(world: World, where: str) -> None:
    """NUL anywhere; regression ("message-id"): a NUL in the Message-ID or Subject went into
    the receipt's headers, whose builder raised ValueError past the poller's receipt sender."""
    raw = _reply(world, b"1. Bra\x00 samarbete\n2. Inga\n3. 4\n")
    if where == "message-id":
        raw = raw.replace(b"<explicit@", b"<expl\x00icit@").replace(b"Re: Check", b"Re:\x00Check")
    elif where == "header-name":
        raw = raw.replace(b"Subject:", b"Sub\x00ject:")
    elif where == "header-value":
        raw = raw.replace(b"Anna Berg <anna@", b"Anna\x00Berg <anna@")
    elif where == "boundary":
        raw = _reply(world, b"--b\x001\nContent-Type: text/plain\n\n1. Bra\n--b\x001--\n",
                     content_type=b"multipart/mixed; boundary=\"b\x001\"")
    elif where == "all":
        raw = raw.replace(b"\n", b"\x00\n")
    reply, decision, _ = world.timed(raw)
    assert "\x00" not in reply.text
    if decision.record is not None:
        assert "\x00" not in decision.record.text


def test_no_from(world: World) -> None:
    reply, decision, _ = world.timed(_reply(world, ANSWER, sender=b""))
    assert reply.from_address == "" and "no From address" in reply.problems
    assert decision.outcome == "quarantine"


@pytest.mark.parametrize("second", [b"Mallory <mallory@evil.example>", b"anna@example.com"])
def test_two_from_fields(world: World, second: bytes) -> None:
    """Two From fields (RFC 5322 allows one): the sender is ambiguous, and a DMARC check
    upstream may have judged the other one. Never recorded under the first name."""
    raw = _reply(world, ANSWER, headers=b"From: " + second + b"\n")
    reply, decision, _ = world.timed(raw)
    if second.startswith(b"Mallory"):
        assert decision.outcome == "quarantine", decision
    else:
        assert decision.outcome in ("record", "quarantine"), decision


def test_two_addresses_in_one_from(world: World) -> None:
    raw = _reply(world, ANSWER, sender=b"Anna Berg <anna@example.com>, "
                                       b"Mallory <mallory@evil.example>")
    _, decision, _ = world.timed(raw)
    assert decision.outcome == "quarantine", decision


@pytest.mark.parametrize("raw", [
    b"",
    b"\n",
    b"\r\n\r\n",
    b"From: Anna Berg <anna@example.com>\n",
    b"From: Anna Berg <anna@example.com>\n\n",
    b"From: Anna Berg <anna@example.com>\nSubject: Re: Check-in\n\n   \n\t\n",
], ids=["nothing", "newline", "crlf", "headers-no-blank-line", "no-body", "blank-body"])
def test_empty(world: World, raw: bytes) -> None:
    reply, decision, _ = world.timed(raw)
    assert reply.text.strip() == ""


def test_empty_body_of_a_matched_reply(world: World) -> None:
    reply, decision, _ = world.timed(_reply(world, b""))
    assert decision.outcome == "record" and decision.record is not None
    assert decision.record.answers == {} and "no readable text in the message" in reply.problems


# --------------------------------------------------------------------------- big inputs


BIG: dict[str, Callable[[World], bytes]] = {}


def big(name: str) -> Callable[[Callable[[World], bytes]], Callable[[World], bytes]]:
    def register(make: Callable[[World], bytes]) -> Callable[[World], bytes]:
        BIG[name] = make
        return make
    return register


@big("attachment-25MB")
def _attachment(world: World) -> bytes:
    blob = base64.encodebytes(bytes(range(256)) * (25 * 1024 * 1024 // 256))
    return _reply(world, b"--BB\nContent-Type: text/plain; charset=utf-8\n\n" + ANSWER
                  + b"\n--BB\nContent-Type: application/octet-stream; name=big.bin\n"
                  b"Content-Disposition: attachment; filename=big.bin\n"
                  b"Content-Transfer-Encoding: base64\n\n" + blob + b"--BB--\n",
                  content_type=b"multipart/mixed; boundary=BB")


@big("inline-text-10MB")
def _inline(world: World) -> bytes:
    """The largest text the poller fetches (imap.max_message_bytes): see BIG_SECONDS."""
    return _reply(world, ANSWER + b"\n" + b"lorem ipsum dolor sit amet " * 390_000)


def _one_mb_header(name: bytes, unit: bytes, sep: bytes = b" ",
                   threaded: bool = True) -> Callable[[World], bytes]:
    def make(world: World) -> bytes:
        value = sep.join([unit] * (1024 * 1024 // (len(unit) + len(sep))))
        return _reply(world, ANSWER, headers=name + b": " + value + b"\n", threaded=threaded)
    return make


BIG["header-1MB-unstructured"] = _one_mb_header(b"X-Long", b"a" * 1000, b"")
BIG["header-1MB-folded"] = _one_mb_header(b"X-Folded", b"word", b"\n ")
# Without a matching In-Reply-To, every Message-ID of these was a ledger query: minutes.
BIG["header-1MB-references"] = _one_mb_header(b"References", b"<r1234@example.org>",
                                              threaded=False)
BIG["header-1MB-in-reply-to"] = _one_mb_header(b"In-Reply-To", b"<r1234@example.org>",
                                               threaded=False)
BIG["header-1MB-to"] = _one_mb_header(b"Cc", b"someone@example.org", b", ")
BIG["header-1MB-auth-results"] = _one_mb_header(
    b"Authentication-Results", b"mx.example.com; dmarc=pass", b"\nAuthentication-Results: ")


@big("header-1MB-subject-encoded-words")
def _subject(world: World) -> bytes:
    words = b" ".join([b"=?utf-8?q?V=C3=A4ntar?="] * (1024 * 1024 // 23))
    return _reply(world, ANSWER).replace(b"Subject: Re: Check-in", b"Subject: Re: " + words)


@big("header-1MB-content-type-params")
def _params(world: World) -> bytes:
    return _reply(world, ANSWER, content_type=b"text/plain; charset=utf-8"
                  + b"; x=y" * (1024 * 1024 // 5))


@big("part-header-1MB-content-type-params")
def _part_params(world: World) -> bytes:
    return _reply(world, b"--BB\nContent-Type: text/plain; charset=utf-8"
                  + b"; x=y" * (1024 * 1024 // 5) + b"\n\n" + ANSWER + b"--BB--\n",
                  content_type=b"multipart/mixed; boundary=BB")


@big("header-1MB-message-id")
def _message_id(world: World) -> bytes:
    return _reply(world, ANSWER, message_id=b"<" + b"m" * 1024 * 1024 + b"@example.com>")


@big("header-1MB-from")
def _from(world: World) -> bytes:
    return _reply(world, ANSWER, sender=b'"' + b"A" * 1024 * 1024 + b'" <anna@example.com>')


@big("headers-1MB-many-fields")
def _many(world: World) -> bytes:
    return _reply(world, ANSWER, headers=b"X-Many: field\n" * (1024 * 1024 // 14))


@pytest.mark.parametrize("case", sorted(BIG))
def test_big_input(world: World, timings: dict[str, Any], case: str) -> None:
    raw = BIG[case](world)
    limit = BIG_SECONDS
    reply, decision, seconds = world.timed(raw, limit=limit)
    timings.setdefault("big_seconds", {})[case] = round(seconds, 3)
    print(f"{case}: {len(raw) / 1e6:.1f} MB in {seconds:.3f} s -> {decision.outcome}")
    assert decision.outcome in ("record", "quarantine")
