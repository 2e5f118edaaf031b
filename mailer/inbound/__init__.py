"""mailer.inbound.decide."""
