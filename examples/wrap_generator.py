"""Use 2: wrap an existing generator with guard.generate.

Any callable that returns strings or PIL images can be wrapped. Here a stand-in
for a language model sometimes leaks a passage of its training corpus and
sometimes writes personal data; the guard regenerates the leak, redacts the
personal data, watermarks and signs what it delivers, and logs every decision.

    python examples/wrap_generator.py --out /tmp/wrap
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from aigc_guard import Guard
from aigc_guard.credentials import SigningCredentials, ensure_dev_keys
from aigc_guard.index.text import TextIndex

TRAINING_CORPUS = [
    (
        "corpus/0",
        "The quarterly maintenance window for the northern pumping station begins at dawn "
        "and lasts until the reservoir gauges read nominal again.",
    ),
    (
        "corpus/1",
        "Volunteers sorted seed packets by germination time, then labelled every tray with "
        "the planting week and the expected height of the seedlings.",
    ),
    (
        "corpus/2",
        "Our lighthouse keeper logged the fog horn tests twice a day and noted every ship "
        "that answered the signal before the harbour closed.",
    ),
]

# What a real model might emit: a verbatim training passage, personal data, fresh text.
CANDIDATES = itertools.cycle(
    [
        TRAINING_CORPUS[0][1],
        "Please forward the invoice to Maria Keller at maria.keller@example.org "
        "or call her on (415) 867-5309.",
        "A short note on tides: the moon pulls the ocean into two bulges each day.",
        "Store the bread in a paper bag so that the crust stays crisp overnight.",
        "Autumn is the right season to divide perennials and to plant spring bulbs.",
    ]
)


def fake_language_model(prompt: str) -> str:
    return next(CANDIDATES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=4)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    index = TextIndex.build(TRAINING_CORPUS, source_name="example-corpus")
    credentials = ensure_dev_keys(args.out / "keys")  # dev CA, signer, watermark key
    signer = SigningCredentials.from_files(credentials.cert_chain_path, credentials.key_path)

    with Guard(
        policy="default",
        index=index,
        db=f"sqlite:///{args.out / 'audit.db'}",
        signer=signer,
        keys=args.out / "keys",
        dev_credentials=True,  # a development CA: allowed explicitly (NOT FOR PRODUCTION)
        hash_key=b"example-key-keep-me-secret-and-stable",
    ) as guard:
        results = guard.generate(fake_language_model, n=args.n, prompt="write a note")

    for result in results:
        print(f"{result.decision.value:8} attempts={result.attempts} audit_id={result.audit_id}")
        for reason in result.reasons:
            print(f"         {reason}")
        if result.delivered:
            path = result.save(args.out / "outputs" / f"{result.content_id}.txt")
            print(f"         -> {path} (+ {path.name}.c2pa)")


if __name__ == "__main__":
    main()
