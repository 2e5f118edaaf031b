"""mailer.digest.build."""
