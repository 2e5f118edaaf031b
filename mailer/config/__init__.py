"""The config: TOML in, a validated, frozen :class:`~mailer.models.Config` out; secrets.

Owns: reading and validating the TOML file with every problem located (``load``, ``reader``,
``values``, ``sections``, ``teams``), the questions of each prompt kind (``questions``, data in
``templates/questions.toml``, overridable per team), the mail providers' part of the config
(``providers``: ``[oauth2]`` and the ``[smtp] provider`` sending profiles), secrets from the
environment or a command (``secrets``), and OAuth 2.0 access tokens fetched from the
provider, held in memory and renewed (``tokens``; msal, google-auth or a command).
May import: the root modules only (``errors``, ``models``, ``kinds``, ``logs``, ``addressing``).
"""
