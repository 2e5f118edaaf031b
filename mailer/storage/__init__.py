"""mailer.storage."""
