# Two entry points: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf demo-out && mkdir -p demo-out
	$(BIN)/khronika ingest --db demo-out/khronika.db examples/reports/
	$(BIN)/khronika events --db demo-out/khronika.db --format table
	@echo "One event linked from several Telegram posts, one of them edited:"
	$(BIN)/khronika events --db demo-out/khronika.db --format jsonl --since 2024-11-14 \
	  --until 2024-11-14 --limit 1 | $(BIN)/python -c "import json, sys; print(json.load(sys.stdin)['id'])" \
	  | xargs $(BIN)/khronika show --db demo-out/khronika.db | tail -n 12
	$(BIN)/khronika events --db demo-out/khronika.db --format geojson > demo-out/events.geojson
	@echo "GeoJSON written to demo-out/events.geojson"
	@echo "Serve the map and the API (read-only, 127.0.0.1):"
	@echo "  $(BIN)/khronika serve --db demo-out/khronika.db    # then open http://127.0.0.1:8000/"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/gazetteer.py
	$(BIN)/python benchmarks/languages.py
	$(BIN)/python benchmarks/linking.py
	$(BIN)/python benchmarks/serving.py
	$(BIN)/python benchmarks/web_page.py
	$(BIN)/python benchmarks/watch_crash.py
	$(BIN)/python benchmarks/watch_latency.py
	$(BIN)/python benchmarks/watch_idle.py

# A short coverage-guided fuzz run of the readers and the extraction (not part of `make test`):
# FUZZ_SECONDS of atheris; the hypothesis properties with many examples run after it.
FUZZ_SECONDS ?= 60
FUZZ_STAMP := $(VENV)/.fuzz-installed

$(FUZZ_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,fuzz]'
	touch $(FUZZ_STAMP)

fuzz: $(FUZZ_STAMP)
	mkdir -p $(VENV)/fuzz-corpus
	cd $(VENV)/fuzz-corpus && ../bin/python ../../scripts/fuzz_extraction.py -max_total_time=$(FUZZ_SECONDS) .
	KHRONIKA_FUZZ_EXAMPLES=2000 $(BIN)/pytest -q tests/test_fuzz_extraction.py

# The offline basemap of the map page, rebuilt from Natural Earth (npm world-atlas) and the
# GeoNames postal file for Ukraine; the result is committed, so only run this to change it.
WORLD_ATLAS ?= $(VENV)/world-atlas/node_modules/world-atlas
GEONAMES_POSTAL ?= ../shared/gazetteer/UA-geonames-postal.txt
.PHONY: basemap
basemap: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,basemap]'
	test -f $(WORLD_ATLAS)/countries-10m.json || npm install --prefix $(VENV)/world-atlas world-atlas@2.0.2
	$(BIN)/python scripts/build_basemap.py --world-atlas $(WORLD_ATLAS) --postal $(GEONAMES_POSTAL)

# The map page, rebuilt from web/ with npm; the built files in src/khronika/serving/static/ are
# committed, so demo and test never need npm: run this after changing web/.
.PHONY: web
web:
	cd web && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache
