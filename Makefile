# Two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= demo-out
# torch first, pinned: opacus and invisible-watermark would otherwise pull a multi-GB CUDA build.
TORCH  ?= torch==2.13.0

FUZZ_SECONDS ?= 120
OPENCV_DATA  ?= .cache/opencv-doc/usr/share/doc/opencv-doc/examples/data

.PHONY: venv demo test test-fast lint bench fuzz hardening-table clean

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
	$(BIN)/ruff check aigc_guard tests examples benchmarks fuzz
	$(BIN)/ruff format --check aigc_guard tests examples benchmarks fuzz
	$(BIN)/mypy

# Every benchmark but the per-cell DP generator table (benchmarks/dp_generators.py --help);
# the README quotes what they print. Hours on 2 cores: the 1M-item indexes, the PII corpus
# and the training runs dominate.
bench: venv $(OPENCV_DATA)
	$(BIN)/python benchmarks/pipeline.py
	AIGC_GUARD_OPENCV_DATA=$(OPENCV_DATA) $(BIN)/python benchmarks/memorization.py
	$(BIN)/pip install --quiet --disable-pip-version-check "$(TORCH)" -e ".[bench]"
	$(BIN)/python benchmarks/watermark.py
	$(BIN)/python benchmarks/text_watermark.py
	$(BIN)/python benchmarks/pii.py
	$(BIN)/python benchmarks/audit.py
	$(BIN)/python benchmarks/train_gan.py
	$(BIN)/python benchmarks/canary_exposure.py
	$(BIN)/python benchmarks/secure_noise.py

# The memorization benchmark's unrelated photos: OpenCV's samples from Debian's opencv-doc.
$(OPENCV_DATA):
	mkdir -p .cache/opencv-doc
	cd .cache/opencv-doc && apt-get download opencv-doc && dpkg -x opencv-doc_*.deb .

# Not in CI: coverage-guided fuzzing of the image and policy loaders, FUZZ_SECONDS each.
fuzz: venv
	$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/pip install --quiet "$(TORCH)" -e ".[fuzz]"
	$(BIN)/python fuzz/seed_corpus.py
	$(BIN)/python fuzz/fuzz_image_loader.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
		-timeout=20 -artifact_prefix=fuzz/ fuzz/corpus/images
	$(BIN)/python fuzz/fuzz_policy.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
		-timeout=20 -artifact_prefix=fuzz/ fuzz/corpus/policies

# Runs the hardening and property tests and rewrites the README's hardening table.
hardening-table: venv
	$(BIN)/python benchmarks/hardening_table.py --write-readme

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
