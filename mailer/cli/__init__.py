"""mailer.cli.main."""
