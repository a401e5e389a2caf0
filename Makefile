# Two commands do everything: `make demo` and `make test`. Both create or reuse .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test dev serve mlflow evidently feast-ui team-up team-down bench lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## simulate the default shop and materialize every asset
	$(BIN)/shoplens demo

test: $(STAMP)  ## the whole test suite, on two workers (tests/conftest.py says which modules go first)
	$(BIN)/pytest --numprocesses 2 --no-loadscope-reorder

dev: $(STAMP)  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/shoplens ui dagster

serve: $(STAMP)  ## the serving API on http://127.0.0.1:8080 (its page: /docs)
	$(BIN)/shoplens serve

mlflow: $(STAMP)  ## the MLflow UI over the data directory's store on http://127.0.0.1:5000
	$(BIN)/shoplens ui mlflow

evidently: $(STAMP)  ## the Evidently UI over the monitoring workspace on http://127.0.0.1:8000
	$(BIN)/shoplens ui evidently

feast-ui: $(STAMP)  ## the Feast UI over the registry on http://127.0.0.1:8888
	$(BIN)/shoplens ui feast

team-up: $(STAMP)  ## throwaway PostgreSQL, Redis, MLflow and Evidently servers for SHOPLENS_PROFILE=team
	$(BIN)/shoplens team up

team-down: $(STAMP)  ## stop the team servers (their data stays in data/team)
	$(BIN)/shoplens team down

bench: $(STAMP)  ## benchmarks; results go to bench/results and bench/README.md
	$(BIN)/python bench/run_all.py

lock:  ## refresh requirements.lock from the current venv
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf data dbt_project/target dbt_project/logs
