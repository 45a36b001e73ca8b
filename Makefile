# Two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= demo-out
# torch first, pinned: opacus and invisible-watermark would otherwise pull a multi-GB CUDA build.
TORCH  ?= torch==2.13.0

.PHONY: venv demo test test-fast lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/pip install --quiet --disable-pip-version-check "$(TORCH)" -e ".[postgres,hf,dev]"
	touch $(STAMP)

demo: venv
	$(BIN)/aigc-guard demo --out $(OUT)

test: venv
	$(BIN)/python -m pytest -q

# The inner loop: no training, no Hugging Face models, no PostgreSQL (under a minute on 2 cores).
test-fast: venv
	$(BIN)/python -m pytest -q -m "not slow and not postgres"

lint: venv
	$(BIN)/ruff check aigc_guard tests examples benchmarks
	$(BIN)/ruff format --check aigc_guard tests examples benchmarks
	$(BIN)/mypy

# Every benchmark; the README quotes what they print (about 15 minutes on 2 cores).
bench: venv
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/memorization.py
	$(BIN)/pip install --quiet --disable-pip-version-check "$(TORCH)" -e ".[bench]"
	$(BIN)/python benchmarks/watermark.py
	$(BIN)/python benchmarks/text_watermark.py
	$(BIN)/python benchmarks/pii.py
	$(BIN)/python benchmarks/audit.py
	$(BIN)/python benchmarks/train_gan.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
