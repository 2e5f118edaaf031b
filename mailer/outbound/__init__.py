"""mailer.outbound."""
