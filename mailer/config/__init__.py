"""mailer.config.load."""
