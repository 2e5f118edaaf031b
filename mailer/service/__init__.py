"""mailer.service."""
