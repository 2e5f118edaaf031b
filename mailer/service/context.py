"""The objects a command or job works with, built once from the config and passed along.

No module keeps global state: the CLI and the service build one :class:`Context` and hand it
to the job functions (STYLE.md: pass Config, the Jinja Environment and the adapters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mailer.config.questions import QuestionSet, load_default_questions
from mailer.config.secrets import token_secret
from mailer.config.tokens import TokenCache, build_cache
from mailer.errors import SecretError
from mailer.models import Config
from mailer.outbound.compose import build_environment
from mailer.storage.ledger import Ledger
from mailer.storage.store import RecordStore

if TYPE_CHECKING:
    import jinja2


@dataclass(frozen=True)
class Context:
    config: Config
    env: jinja2.Environment
    ledger: Ledger
    store: RecordStore
    questions: QuestionSet
    #: The key that signs reply tokens; None only for offline work (check, preview, parse-reply).
    secret: bytes | None
    #: The OAuth access tokens of this process ([oauth2]), shared by sending and polling.
    tokens: TokenCache | None = None

    def daily_room(self, now: datetime) -> int | None:
        """How many more messages ``smtp.max_per_day`` allows in the 24 hours up to ``now``
        (prompts, receipts and test sends all count); None when there is no cap."""
        cap = self.config.smtp.max_per_day
        if cap is None:
            return None
        return max(0, cap - self.ledger.sent_count_since(now - timedelta(days=1)))


def open_context(config: Config, *, need_secret: bool = True, ledger: Ledger | None = None,
                 store: RecordStore | None = None) -> Context:
    """Build the context; a missing secret raises SecretError only when ``need_secret``.

    :param ledger: :param store: the ones already open (a config reload in the service).
    """

    secret: bytes | None
    if need_secret:
        secret = token_secret(config)
    else:
        try:
            secret = token_secret(config)
        except SecretError:  # offline work (check, preview, dry runs) signs nothing that is sent
            secret = None
    data_dir = config.service.data_dir
    return Context(
        config=config,
        env=build_environment(config),
        ledger=ledger or Ledger.in_dir(data_dir),
        store=store or RecordStore(data_dir),
        questions=load_default_questions(config.service.templates_dir),
        secret=secret,
        tokens=build_cache(config.oauth2) if config.oauth2 is not None else None,
    )
