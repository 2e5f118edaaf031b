"""mailer.parse."""
