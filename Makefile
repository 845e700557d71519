PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test lint messages bench bench-quick backup restore replica replica-stop clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# The French catalogue: collect every marked string (locale/fr/LC_MESSAGES/django.po), then compile
# the .mo that is committed next to it. Needs GNU gettext. Fill in the new msgstr's in between and
# run it again; tests/i18n/test_catalogue.py fails on an untranslated or stale string.
PO := locale/fr/LC_MESSAGES/django.po
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages --locale fr --add-location file --no-obsolete \
		--ignore .venv --ignore bench --ignore tests --ignore staticfiles --ignore test-artifacts --ignore docs
	sed -i '/^"POT-Creation-Date: /d' $(PO)
	DEBUG=1 $(BIN)/python manage.py compilemessages --locale fr --ignore .venv

bench: install
	$(BIN)/python -m bench.run --patients $${BENCH_PATIENTS:-1000000}

bench-quick: install
	$(BIN)/python -m bench.run --patients 20000 --quick

# Backups (PostgreSQL, the database of DATABASE_URL): pg_dump's custom format into BACKUP_DIR, and a
# restore into a NEW database on the same server: make restore BACKUP=backups/x.dump RESTORE_DATABASE=intake_restored
BACKUP_DIR ?= backups
backup: install
	$(BIN)/python manage.py backup --to $(BACKUP_DIR)

restore: install
	@test -n "$(BACKUP)" -a -n "$(RESTORE_DATABASE)" || { echo "usage: make restore BACKUP=FILE.dump RESTORE_DATABASE=NEW_NAME"; exit 2; }
	$(BIN)/python manage.py restore $(BACKUP) --into $(RESTORE_DATABASE)

# A hot standby of the local PostgreSQL (127.0.0.1:5432) on 127.0.0.1:5433, streaming (idempotent).
# Then: REPLICA_DATABASE_URL=postgres://postgres@127.0.0.1:5433/<database>. Needs root or postgres.
replica:
	bash scripts/replica.sh start

replica-stop:
	bash scripts/replica.sh stop

clean:
	rm -rf $(VENV) .pytest_cache
