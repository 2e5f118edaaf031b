"""The config: TOML in, a validated, frozen :class:`~mailer.models.Config` out; secrets.

Owns: reading and validating the TOML file with every problem located (``load``, ``reader``,
``values``, ``sections``, ``teams``), the questions of each prompt kind (``questions``, data in
``templates/questions.toml``, overridable per team), and secrets from the environment or a
command (``secrets``).
May import: the root modules only (``errors``, ``models``, ``kinds``, ``logs``, ``addressing``).
"""
