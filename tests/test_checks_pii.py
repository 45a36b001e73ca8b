"""PiiCheck on text with the real Presidio analyzer and anonymizer over spaCy (no mocks).

One engine per module (spaCy and the gazetteers load once); policies that need another
engine are built in the few tests that exercise them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PIL import Image

from aigc_guard.artifacts import Artifact, Decision
from aigc_guard.checks import PromptScreener
from aigc_guard.checks.base import Check, Redactor
from aigc_guard.checks.pii import PiiCheck, PiiSettings
from aigc_guard.checks.verdict import decide
from aigc_guard.errors import DependencyError, InputError
from aigc_guard.policy import load_policy

# Realistic fake values (Presidio rejects well-known samples such as 078-05-1120).
LETTER = (
    "Discharge summary. Patient: Maria Keller, DOB 03/14/1962, MRN 00482913. "
    "Address: 1914 Landry Union Apt. 607, Williamsborough, AR 28438. "
    "Phone (212) 555-0147, e-mail maria.keller@example.org. SSN 032-65-5492. "
    "Card 4111 1111 1111 1111 was charged; refund to IBAN DE89 3704 0044 0532 0130 00 "
    "from IP address 52.57.109.72. Admitted 12 May 2025 for observation."
)
VALUES = {
    "PERSON": "Maria Keller",
    "DATE_OF_BIRTH": "03/14/1962",
    "MEDICAL_RECORD_NUMBER": "00482913",
    "ADDRESS": "1914 Landry Union Apt. 607, Williamsborough, AR 28438",
    "PHONE_NUMBER": "(212) 555-0147",
    "EMAIL_ADDRESS": "maria.keller@example.org",
    "US_SSN": "032-65-5492",
    "CREDIT_CARD": "4111 1111 1111 1111",
    "IBAN_CODE": "DE89 3704 0044 0532 0130 00",
    "IP_ADDRESS": "52.57.109.72",
}


@pytest.fixture(scope="module")
def pii() -> PiiCheck:
    check = PiiCheck(load_policy("default").checks.get("pii"))  # type: ignore[arg-type]
    check.prepare()  # loads spaCy and the gazetteers once for the module
    return check


def _types_at(result_entities: list[dict], text: str) -> dict[str, str]:
    return {text[e["start"] : e["end"]]: e["type"] for e in result_entities if "start" in e}


def test_every_type_of_a_clinical_letter_is_found_under_its_own_type(pii: PiiCheck) -> None:
    assert isinstance(pii, Check) and isinstance(pii, Redactor) and isinstance(pii, PromptScreener)
    result = pii.inspect(Artifact.from_text(LETTER))
    found = _types_at(result.details["entities"], LETTER)
    for kind, value in VALUES.items():
        assert found.get(value) == kind, (kind, value, found)
    assert not result.passed and result.action is Decision.REDACT
    assert "PERSON" in result.summary and "US_SSN" in result.summary


def test_allowed_types_are_recorded_but_do_not_fail(pii: PiiCheck) -> None:
    text = "The release shipped on 12 May 2025 after the spring review."
    result = pii.inspect(Artifact.from_text(text))
    assert result.passed and result.action is None
    assert [e["type"] for e in result.details["entities"]] == ["DATE_TIME"]
    assert result.details["entities"][0]["action"] == "allow"


def test_look_alikes_pass(pii: PiiCheck) -> None:
    for text in [
        "Release notes 17.7.4: order ORD-4411-19230 shipped on 2024-06-01; build 20230414.5.",
        "Invoice INV-2024-00871: 3 licences of Galaxy S24 at $1,299.00, ticket TCK-48213.",
        "Batch WM-6903-YA passed QA: 48 of 50 samples, firmware 19.10.2, serial SN142259957.",
        "Mix two cups of flour with one egg and bake for 25 minutes at 180 C.",
    ]:
        result = pii.inspect(Artifact.from_text(text))
        assert result.passed, (text, result.details["entities"])


@pytest.mark.parametrize(
    "text",
    [
        "Release notes: the Jira Cloud driver was updated and the exporter writes Parquet.",
        "Migration to the Nimbus Router 3000 completed; the StreamBox Pro app follows.",
        "Watson, Hudson and Hill signed a new contract (ref 882711750).",
        "Moreno-Stanton signed a new contract last week.",
        "De Haan NV thanks you for your business.",
        "The quote came from Stichting van Brederode at a fair price.",
        "Quote from Marsili Ottaviani e figli S.r.l. at 9,000 euros.",
        "Hosted by Berenguer y asociados S.L. next week.",
        "Employer: Koninklijke van Houweninge. Income stable.",
        "Quote from Ravelli SPA at 12,000 euros.",
        "Signed a new contract with Paulina Ferrer Soto S.L.N.E yesterday.",
        "Is the Marc Jacobs Snapshot still available?",
        "Sign-in using Ray Ban Stories from a new device.",
        "After a month with the Jamie Oliver Grill the handle broke.",
        "Registration confirmed for your Daniel Wellington Classic, purchased last spring.",
        "Status page: Roland Cloud Studio has shown degraded performance since Monday.",
        "Status page: Sonos Era Speaker has shown degraded performance.",
    ],
)
def test_product_and_firm_names_are_not_people(pii: PiiCheck, text: str) -> None:
    types = {e["type"] for e in pii.inspect(Artifact.from_text(text)).details["entities"]}
    assert not types & {"PERSON", "LOCATION"}, (text, types)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Booking confirmed for Helen Mason, passport to follow.", "Helen Mason"),
        ("A sign-in to the account of Mark Costa from a new device.", "Mark Costa"),
        ("Follow-up with Dr. Smith-Jones in two weeks.", "Smith-Jones"),
        ("Dear Keano Stinis, your booking is confirmed.", "Keano Stinis"),
        ("Thanks Fausto, see you soon.", "Fausto"),
        ("Visit from Anna Schmidt, Siemens AG on Friday.", "Anna Schmidt"),
        ("Thank you for seeing the patient Anna Smith today.", "Anna Smith"),
        ("This is Anna Smith from accounts.", "Anna Smith"),
        ("Hi Anna Watch, your parcel is here.", "Anna Watch"),
        ("buyer: great, I'm Orsolya. can pay tonight", "Orsolya"),
        ("hey it's Robin from the app", "Robin"),
        (
            "GP informed. Daughter Vitaliano Brucato can be reached on the ward.",
            "Vitaliano Brucato",
        ),
        (
            "This lease is made between the landlord Ermete Vassallo and the tenant.",
            "Ermete Vassallo",
        ),
        ("Debtor: Eusebio Marcenaro, 12 Baker Street.", "Eusebio Marcenaro"),
        ("Intake form\nName: Ada Lenz\nCity: Oberwaldeck", "Ada Lenz"),
    ],
)
def test_real_names_are_still_people(pii: PiiCheck, text: str, name: str) -> None:
    found = _types_at(pii.inspect(Artifact.from_text(text)).details["entities"], text)
    assert found.get(name) == "PERSON", (text, found)


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("The patient lives in Quellbrunnsdorf and works from home.", "Quellbrunnsdorf"),
        ("Mr Weber, resident of Kleinvollersbach, asked for a transfer.", "Kleinvollersbach"),
        ("Intake form\nName: Ada Lenz\nCity: Oberwaldeck\nPhone: on file", "Oberwaldeck"),
        ("Niederhollenstett, 12 March 2026\nDear customer, your statement follows.",
         "Niederhollenstett"),
        ("me: a small town called Vossenkamperveen, you?", "Vossenkamperveen"),
        ("Seen in clinic today. Usual residence: Kleinwaldenau. Review in six weeks.",
         "Kleinwaldenau"),
        ("Name: Ada Lenz; Home town: Brackwede-Nord; Phone: on file", "Brackwede-Nord"),
        ("Both parties agree. Signed in Oudewaterveen on 3 May 2025.", "Oudewaterveen"),
        ("Done at Vrendelmoor, 12 March 2026.", "Vrendelmoor"),
        ("ok, see you in Pellacurto then", "Pellacurto"),
    ],
)  # fmt: skip
def test_an_unknown_town_in_a_place_context_is_a_location(
    pii: PiiCheck, text: str, town: str
) -> None:
    found = _types_at(pii.inspect(Artifact.from_text(text)).details["entities"], text)
    assert found.get(town) == "LOCATION", (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "We moved the reports to Windows Server 2022 last night.",
        "Ask Echo Show 8 to play the news in the kitchen.",
        "Details are in the release notes from Baxter Group and from Hayes, Baxter and Roux.",
        "Monday, 12 March 2026: the exporter now writes Parquet files.",
        "Issued in March by the board and signed in Q3 by all members.",
        "Come and see what is new in Nikon Z8 at our stand.",
    ],
)
def test_products_firms_and_weekdays_are_not_locations(pii: PiiCheck, text: str) -> None:
    types = {e["type"] for e in pii.inspect(Artifact.from_text(text)).details["entities"]}
    assert "LOCATION" not in types, (text, types)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Sorry I missed you, my new number is 0387264519 if you need me.", "0387264519"),
        ("Her mobile number: 07700954318.", "07700954318"),
        ("For help, contact our night desk at 0233648190.", "0233648190"),
        ("Please call our billing team on 415.555.0176x204 for a refund.", "415.555.0176x204"),
        ("The ward can be reached on 01632 960417 after six.", "01632 960417"),
        ("For help, contact our night desk at +49(0) 301928374.", "+49(0) 301928374"),
    ],
)
def test_phone_numbers_named_by_the_words_before_them(pii: PiiCheck, text: str, phone: str) -> None:
    found = _types_at(pii.inspect(Artifact.from_text(text)).details["entities"], text)
    assert found == {phone: "PHONE_NUMBER"}, (text, found)


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("Your order number is 0387264519 and ships tomorrow.", "0387264519", None),
        ("Call us at 0161 4960377 quoting reference 508231947.", "508231947", None),
        ("Background check: SSN 219-09-9999, driver license 508231947.", "508231947",
         "US_DRIVER_LICENSE"),
        ("Her SSN: 508231947.", "508231947", "US_SSN"),
    ],
)  # fmt: skip
def test_a_bare_nine_digit_number_is_an_ssn_only_after_its_label(
    pii: PiiCheck, text: str, value: str, kind: str | None
) -> None:
    found = _types_at(pii.inspect(Artifact.from_text(text)).details["entities"], text)
    assert found.get(value) == kind, (text, found)


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        # the addressee after "you,": a person, even when a town bears the name
        ("Unusual sign-in. If it was you, Florence, no action is needed.", "Florence", "PERSON"),
        # a surname, a comma and a first name after a label
        ("Lab results for patient Hofstetter, Annelie. Chart #0500882.", "Hofstetter, Annelie",
         "PERSON"),
        # a place-named surname after a first name is part of the person
        ("courier: hi, parcel for Borja Carmona?", "Borja Carmona", "PERSON"),
        # an account number that passes Luhn is still an account number
        ("Hello Tina Bates,\nyour current account 365110857072 went overdrawn.", "365110857072",
         "US_BANK_NUMBER"),
        # a passport number that starts with 00 is no phone number
        ("Applicant, passport no. 002796696, born 1934-01-21.", "002796696", "US_PASSPORT"),
        ("Follow-up booked. Record 00494026 created.", "00494026", "MEDICAL_RECORD_NUMBER"),
    ],
)  # fmt: skip
def test_neighbouring_types_are_told_apart(pii: PiiCheck, text: str, value: str, kind: str) -> None:
    found = _types_at(pii.inspect(Artifact.from_text(text)).details["entities"], text)
    assert found.get(value) == kind, (text, found)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Please move the funds to account 4111111111111111 before Friday.", "4111111111111111"),
        ("My acct 5500005555555559 was charged twice.", "5500005555555559"),
    ],
)
def test_a_card_number_written_as_an_account_number_is_still_redacted(
    pii: PiiCheck, text: str, value: str
) -> None:
    """The attack on the account-number rule: a real, Luhn-valid card number passed off
    as an account number loses its card type, but must not leave unscreened."""
    artifact = Artifact.from_text(text)
    result = pii.inspect(artifact)
    assert not result.passed
    assert value not in (pii.redact(artifact, result).text or "")


@pytest.mark.parametrize(
    "text",
    [
        "Hosted by Walker, Dixon and Atkinson.",
        "Quote from Godfrey Baumer & van der Pol at 2,000 euros.",
        "Hosted by Mosquera y asociados S.Com. next week.",
        "Quote from Ashworth-Pennington at 27,735 dollars.",
        "Contents: Fire TV Stick (SKU HO-5138-SV). Delivery in three days.",
        "Purchase order: 40 licences of Jasper Reporting for the finance team.",
        "Employer: Dos Reis. Monthly income stable.",
    ],
)
def test_firms_and_abbreviations_are_no_person_place_or_url(pii: PiiCheck, text: str) -> None:
    types = {e["type"] for e in pii.inspect(Artifact.from_text(text)).details["entities"]}
    assert not types & {"PERSON", "LOCATION", "URL"}, (text, types)


def test_ner_only_runs_spacy_ner_alone_and_still_screens() -> None:
    check = PiiCheck(ner_only=True)
    assert check.engine()._nlp("en").pipe_names == ["ner"]
    found = _types_at(check.inspect(Artifact.from_text(LETTER)).details["entities"], LETTER)
    assert found.get("Maria Keller") == "PERSON"
    assert found.get("maria.keller@example.org") == "EMAIL_ADDRESS"
    assert found.get("(212) 555-0147") == "PHONE_NUMBER"


def test_results_never_contain_the_values(pii: PiiCheck) -> None:
    result = pii.inspect(Artifact.from_text(LETTER))
    serialised = json.dumps(result.to_dict())
    for value in VALUES.values():
        assert value not in serialised
    for entity in result.details["entities"]:
        assert set(entity) == {"type", "start", "end", "score", "action"}


def test_redaction_replaces_each_value_with_its_type(pii: PiiCheck) -> None:
    artifact = Artifact.from_text(LETTER)
    redacted = pii.redact(artifact, pii.inspect(artifact)).text or ""
    for kind, value in VALUES.items():
        assert value not in redacted
        assert f"<{kind}>" in redacted
    assert "12 May 2025" in redacted  # DATE_TIME is allowed by the default policy
    assert pii.inspect(Artifact.from_text(redacted)).passed


def test_per_entity_actions_and_operators() -> None:
    check = PiiCheck(
        entities={
            "US_SSN": {"action": "block"},
            "EMAIL_ADDRESS": {"operator": "mask"},
            "PHONE_NUMBER": {"operator": "hash"},
            "PERSON": {"action": "allow"},
        },
        screen="listed",
        secret=b"k" * 32,
    )
    text = "Maria Keller: write to maria.keller@example.org or call (212) 555-0147."
    result = check.inspect(Artifact.from_text(text))
    assert result.action is Decision.REDACT  # PERSON is allowed, the rest redacted
    redacted = check.redact(Artifact.from_text(text), result).text or ""
    assert "Maria Keller" in redacted and "*" * len("maria.keller@example.org") in redacted
    assert "(212) 555-0147" not in redacted
    again = check.redact(Artifact.from_text(text), result).text
    other_key = PiiCheck(entities={"PHONE_NUMBER": {"operator": "hash"}}, secret=b"j" * 32)
    other = other_key.redact(Artifact.from_text(text), other_key.inspect(Artifact.from_text(text)))
    assert redacted == again  # one key, one pseudonym
    assert (other.text or "").split()[-1] != redacted.split()[-1]  # another key, another
    blocked = check.inspect(Artifact.from_text("My SSN is 032-65-5492."))
    assert blocked.action is Decision.BLOCK
    both = [blocked, result]
    assert decide(both, can_regenerate=True).decision is Decision.BLOCK


def test_custom_recognizers_from_the_policy() -> None:
    check = PiiCheck(
        recognizers=[
            {"entity": "EMPLOYEE_ID", "patterns": [{"regex": r"\bE-\d{5}\b", "score": 0.3}],
             "context": ["employee"]},
            {"entity": "LOYALTY_CARD", "patterns": [r"\b\d{16}\b"], "validation": "luhn"},
            {"entity": "PROJECT", "deny_list": ["Bluebird", "Nighthawk"]},
        ],
        entities={"EMPLOYEE_ID": {"action": "block"}},
    )  # fmt: skip
    text = "Employee E-12345 joined Bluebird; card 4111111111111111, not 4111111111111112."
    found = _types_at(check.inspect(Artifact.from_text(text)).details["entities"], text)
    assert found["E-12345"] == "EMPLOYEE_ID"  # 0.3, lifted by the context word
    assert found["Bluebird"] == "PROJECT"
    assert "4111111111111112" not in found  # fails the Luhn check
    assert "4111111111111111" in found
    alone = check.inspect(Artifact.from_text("Ticket E-12345 is closed."))
    assert "EMPLOYEE_ID" not in {e["type"] for e in alone.details["entities"]}
    assert check.inspect(Artifact.from_text(text)).action is Decision.BLOCK


def test_french_texts_use_the_french_model() -> None:
    nir = "2840575116234"
    nir += f"{97 - int(nir) % 97:02d}"  # a NIR with a valid key
    check = PiiCheck(language=["en", "fr"])
    text = (
        f"Bonjour, je m'appelle Camille Dubois et j'habite au 12, rue de la Paix, 75002 "
        f"Paris. Mon numéro de sécurité sociale est {nir} et mon téléphone 06 12 34 56 78."
    )
    assert check.engine().language_of(text) == "fr"
    found = _types_at(check.inspect(Artifact.from_text(text)).details["entities"], text)
    assert found["Camille Dubois"] == "PERSON"
    assert found[nir] == "FR_NIR"
    assert found["06 12 34 56 78"] == "PHONE_NUMBER"
    assert found["12, rue de la Paix, 75002 Paris"] == "ADDRESS"
    english = "Hello, my name is John Smith; call me on 020 7946 0958."
    assert check.engine().language_of(english) == "en"


def test_long_texts_are_screened_in_chunks_and_boundaries_are_covered() -> None:
    from aigc_guard.checks.pii.chunks import chunk_spans

    check = PiiCheck(chunk_chars=1_000, entities=["EMAIL_ADDRESS"])
    engine = check.engine()
    assert engine.chunk_chars == 1_000 and engine.overlap == 250
    values = [f"jane.roe{index}@example.org" for index in range(150)]
    text = ";".join(values)  # no whitespace: the chunker has to cut inside values
    edges = [end for _, end in chunk_spans(text, engine.chunk_chars, engine.overlap)][:-1]
    cut = [v for v in values if any(text.index(v) < e < text.index(v) + len(v) for e in edges)]
    assert len(cut) >= 3  # the test does cut values at chunk edges
    result = check.inspect(Artifact.from_text(text))
    assert [text[e["start"] : e["end"]] for e in result.details["entities"]] == values


def test_empty_and_blank_texts_pass_without_the_engine() -> None:
    check = PiiCheck()
    for text in ("", "   \n\t "):
        result = check.inspect(Artifact.from_text(text))
        assert result.passed and result.details["entities"] == []
    assert check._engine is None  # nothing was loaded for them


def test_screening_that_fails_blocks_the_output(pii: PiiCheck) -> None:
    broken = PiiCheck(images={"ocr": True, "ocr_languages": "zzz"})  # no such traineddata
    image = Artifact.from_image(Image.new("RGB", (64, 32), "white"))
    result = broken.inspect(image)
    assert not result.passed and result.action is Decision.BLOCK
    assert "screening failed" in result.summary and result.details["error"]
    assert decide([result], can_regenerate=True).decision is Decision.BLOCK


def test_prompts_are_screened_by_type_and_position(pii: PiiCheck) -> None:
    prompt = "Write a letter to Maria Keller at maria.keller@example.org"
    result = pii.inspect_prompt(prompt)
    kinds = [(e["type"], prompt[e["start"] : e["end"]]) for e in result.details["entities"]]
    assert kinds == [("PERSON", "Maria Keller"), ("EMAIL_ADDRESS", "maria.keller@example.org")]
    assert "Maria" not in json.dumps(result.to_dict())


def test_batched_inspection_matches_one_at_a_time(pii: PiiCheck) -> None:
    texts = [LETTER, "Nothing here.", "Call me on (212) 555-0147."]
    batched = pii.inspect_texts(texts)
    single = [pii.inspect(Artifact.from_text(t)) for t in texts]
    assert [b.details["entities"] for b in batched] == [s.details["entities"] for s in single]


def test_redact_refuses_a_result_of_another_text(pii: PiiCheck) -> None:
    result = pii.inspect(Artifact.from_text(LETTER))
    with pytest.raises(InputError, match="does not lie in the text"):
        pii.redact(Artifact.from_text("short"), result)


def test_missing_spacy_model_names_the_package() -> None:
    with pytest.raises(DependencyError, match=r"en_core_web_zz.*en-core-web-zz"):
        PiiCheck(spacy_model="en_core_web_zz")


@pytest.mark.parametrize(
    "options",
    [{"entities": []}, {"entities": "PERSON"}, {"score_threshold": 1.5},
     {"entities": ["NOT_A_TYPE"]}, {"language": "de"}, {"chunk_chars": 10}],
)  # fmt: skip
def test_bad_options_are_refused(options: dict) -> None:
    with pytest.raises(InputError, match="PiiCheck"):
        PiiCheck(**options)


def test_settings_resolve_rules_with_defaults() -> None:
    settings = PiiSettings.model_validate(
        {"on_fail": "block", "entities": {"PERSON": {"score_threshold": 0.7}}}
    )
    assert settings.rule("PERSON").model_dump() == {
        "action": "block", "score_threshold": 0.7, "operator": "replace"
    }  # fmt: skip
    assert settings.rule("US_SSN").score_threshold == 0.4
    assert "LOCATION" in settings.screened() and "ADDRESS" in settings.screened()


def test_import_and_construction_are_light() -> None:
    code = (
        "import sys; from aigc_guard.checks.pii import PiiCheck; PiiCheck(); "
        "print([m for m in ('presidio_analyzer', 'spacy', 'tldextract') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
