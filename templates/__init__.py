"""The built-in templates and questions: package data, installed as ``mailer.templates``.

This folder stays at the top of the repository (the design puts templates beside the code,
not inside it); pyproject's ``package-dir`` ships it inside the package, so a wheel, an
editable install and pipx all find it through :mod:`mailer.resources`.
"""
