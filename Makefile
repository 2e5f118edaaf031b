# The two commands of the README: `make demo` and `make test`.
# Both work from a fresh clone on Debian 12 with Python 3.11, as root.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Wheels of the build backend and of every dependency, for the tests that install the package
# into a fresh venv offline (tests/cli/test_install.py, tests/cli/test_readme.py).
WHEELS := $(VENV)/wheels

.PHONY: demo test typecheck lint install system-deps bench reliability clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip wheel --quiet -w $(WHEELS) '.[demo]' 'setuptools>=68' wheel
	rm -f $(WHEELS)/mailer-*.whl
	touch $(STAMP)

install: $(STAMP)

# Dovecot (IMAP + LMTP) for the real-server tests, installed only when missing.
system-deps:
	@command -v dovecot >/dev/null 2>&1 && test -x /usr/lib/dovecot/lmtp && command -v openssl >/dev/null 2>&1 \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd dovecot-lmtpd openssl >/dev/null; }

demo: install
	$(VENV)/bin/mailer demo

test: install system-deps lint typecheck
	$(PY) -m pytest -q

# The package layout is the architecture: import-linter's contracts (pyproject.toml) keep the
# arrows between packages; ruff keeps the code clean. Both must report nothing.
lint: install
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check mailer tests bench

# mypy --strict on mailer/ (the settings are in pyproject.toml).
typecheck: install
	$(VENV)/bin/mypy

bench: install system-deps
	$(PY) bench/run_all.py

# The long crash runs (make test runs 500 prompts / 500 replies with 20 kills each).
reliability: install system-deps
	$(PY) bench/reliability.py --prompts 2000 --replies 2000 --kills 50

clean:
	rm -rf $(VENV) demo-output .pytest_cache
