"""The text memorization benchmark's cases, fixed before any tuning of the text index.

Corpus: Faker records of two styles, dealt into training, calibration and
evaluation sets (no evaluation record is ever used to choose a threshold):

* prose: `fake.paragraph()` (lorem-style English sentences);
* profiles: templated sentences about a person (name, job, company, city,
  catch phrase), where unrelated records share many words and phrases: the
  hard case for false positives.

Attacks on a training record, drawn at random within the stated bounds:

* exact copy; case, punctuation and spacing changed;
* 5% and 10% of its words replaced; 10% of its words changed by a mix of
  replacements, insertions and deletions;
* the record with 10% of its words replaced, inside a longer output (unrelated
  text before and after, together 1-2x the record's length);
* a verbatim run of 50 (and of 80) characters copied from the record into a
  longer output (150-400 characters of unrelated text around it).

Unrelated outputs: fresh records of each style, and fresh prose with a
profile sentence pasted in, none from the training set.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from faker import Faker

Attack = Callable[[str, random.Random, "Corpus"], tuple[str, str | None]]  # output, copied run


@dataclass
class Corpus:
    train: list[tuple[str, str]]
    calibration: list[str]
    evaluation: list[str]
    filler: list[str]  # unrelated text used around copied runs, never indexed
    words: list[str]


def _profile(fake: Faker) -> str:
    name, job, company, city = fake.name(), fake.job(), fake.company(), fake.city()
    templates = [
        f"{name} works as a {job.lower()} at {company} in {city}. ",
        f"Before that, {name.split()[0]} spent {fake.random_int(2, 19)} years in {fake.city()}. ",
        f"Colleagues describe the work as {fake.catch_phrase().lower()}. ",
        f"The team at {company} focuses on how to {fake.bs()}. ",
        f"Contact is through the office on {fake.street_name()}. ",
    ]
    return "".join(templates[: 3 + fake.random_int(0, 2)]).strip()


def make_corpus(train_size: int, held_size: int, *, seed: int = 20261203) -> Corpus:
    """Training records (ids `prose-N` / `profile-N`), calibration and evaluation texts."""
    fake = Faker("en_US")
    fake.seed_instance(seed)

    def record(i: int) -> str:
        return fake.paragraph(nb_sentences=6) if i % 2 == 0 else _profile(fake)

    train = [(f"{'prose' if i % 2 == 0 else 'profile'}-{i}", record(i)) for i in range(train_size)]
    calibration = [record(i) for i in range(held_size)]
    evaluation = [record(i) for i in range(held_size)]
    filler = [fake.paragraph(nb_sentences=4) for _ in range(500)]
    words = sorted({w.lower() for text in filler for w in re.findall(r"[A-Za-z]+", text)})
    return Corpus(train, calibration, evaluation, filler, words)


def _replace_words(text: str, share: float, rng: random.Random, corpus: Corpus) -> str:
    words = text.split(" ")
    count = max(1, int(len(words) * share))
    for i in rng.sample(range(len(words)), count):
        words[i] = rng.choice(corpus.words)
    return " ".join(words)


def _mixed_edits(text: str, share: float, rng: random.Random, corpus: Corpus) -> str:
    words = text.split(" ")
    for _ in range(max(1, int(len(words) * share))):
        i, action = rng.randrange(len(words)), rng.choice(("replace", "insert", "delete"))
        if action == "replace":
            words[i] = rng.choice(corpus.words)
        elif action == "insert":
            words.insert(i, rng.choice(corpus.words))
        elif len(words) > 2:
            del words[i]
    return " ".join(words)


def _restyle(text: str, rng: random.Random, corpus: Corpus) -> str:
    text = text.upper() if rng.random() < 0.5 else text.lower()
    text = text.replace(". ", "!  ").replace(",", " ;")
    return "  " + text.replace(" ", "   ") + " "


def _filler(rng: random.Random, corpus: Corpus, low: int, high: int) -> str:
    target = rng.randint(low, high)
    text = ""
    while len(text) < target:
        text += rng.choice(corpus.filler) + " "
    return text[:target]


def _embedded(copied: str, rng: random.Random, corpus: Corpus, low: int, high: int) -> str:
    total = _filler(rng, corpus, low, high)
    cut = rng.randint(0, len(total))
    return f"{total[:cut]} {copied} {total[cut:]}"


def _run(length: int) -> Attack:
    def attack(text: str, rng: random.Random, corpus: Corpus) -> tuple[str, str | None]:
        start = rng.randint(0, max(0, len(text) - length))
        run = text[start : start + length]
        return _embedded(run, rng, corpus, 150, 400), run

    return attack


ATTACKS: dict[str, Attack] = {
    "exact copy": lambda t, rng, c: (t, None),
    "case, punctuation, spacing": lambda t, rng, c: (_restyle(t, rng, c), None),
    "5% of words replaced": lambda t, rng, c: (_replace_words(t, 0.05, rng, c), None),
    "10% of words replaced": lambda t, rng, c: (_replace_words(t, 0.10, rng, c), None),
    "10% of words replaced/inserted/deleted": lambda t, rng, c: (
        _mixed_edits(t, 0.10, rng, c),
        None,
    ),
    "10% replaced, inside a longer output": lambda t, rng, c: (
        _embedded(_replace_words(t, 0.10, rng, c), rng, c, len(t), 2 * len(t)),
        None,
    ),
    "50-character run inside a longer output": _run(50),
    "80-character run inside a longer output": _run(80),
}


def unrelated_outputs(corpus: Corpus, rng: random.Random) -> dict[str, list[str]]:
    """Texts that copy nothing from the training set, by kind."""
    prose = corpus.evaluation[0::2]
    profiles = corpus.evaluation[1::2]
    mixed = [p + " " + q.split(". ")[0] + "." for p, q in zip(prose, profiles, strict=False)]
    return {"fresh prose": prose, "fresh profiles": profiles, "prose + a profile sentence": mixed}
