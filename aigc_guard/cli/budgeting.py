"""`aigc-guard budget`: what the registered models have spent on one data set."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from aigc_guard.cli.common import DbOption, KeysOption, console, handles_errors, open_audit_log

SHA256 = re.compile(r"^[0-9a-f]{64}$")


@handles_errors
def budget(
    data: Annotated[
        str, typer.Option(help="A data set name (mnist5k) or its SHA-256 (from a privacy card).")
    ],
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Sum the epsilon and delta of every model registered on DATA (basic composition).

    Basic composition: k releases that are (eps_i, delta_i)-DP are together
    (sum eps_i, sum delta_i)-DP. It is an upper bound; a run resumed from another is
    counted once (its card covers the earlier steps).

    Example: aigc-guard budget --data mnist5k
    """
    from aigc_guard.train.budget import spent_on_data

    sha = data if SHA256.match(data) else _dataset_sha256(data)
    with open_audit_log(db, keys, writer=False) as log:
        cards = [
            entry.extra["privacy_card"]
            for entry in log.query(event="model")
            if isinstance(entry.extra.get("privacy_card"), dict)
        ]
    spent = spent_on_data(cards, sha)
    out = console(stderr=False)
    out.print(f"data set {data} (sha256 {sha})", highlight=False)
    for card in spent.counted:
        out.print(
            f"  {card['model_id']}: epsilon={float(card['epsilon']):.3f} "
            f"delta={float(card['delta']):g} steps={card['steps']} ({card['created_at']})",
            highlight=False,
        )
    for model_id in spent.superseded:
        out.print(f"  {model_id}: resumed by a later run, counted there", highlight=False)
    for model_id in spent.no_guarantee:
        out.print(f"  {model_id}: reproducible noise, NO guarantee", highlight=False)
    if not spent.bounded:
        out.print("total: unbounded (a model trained with reproducible noise used this data)")
        raise typer.Exit(1)
    out.print(
        f"total (basic composition over {len(spent.counted)} model(s)): "
        f"epsilon={spent.epsilon:.3f} delta={spent.delta:g}",
        highlight=False,
    )


def _dataset_sha256(name: str) -> str:
    from aigc_guard.cli.training import dataset

    return str(dataset(name).train.sha256())
