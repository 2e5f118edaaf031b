"""mailer.demo.run."""
