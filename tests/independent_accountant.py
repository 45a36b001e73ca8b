"""epsilon from a privacy card's own inputs, by Google's dp_accounting (not Opacus).

Every kind's card must agree with it within 5%: the card's figure is then not just
what our accountant says about itself.
"""

from __future__ import annotations

from typing import Any

from aigc_guard.train.card import PrivacyCard


def rdp_epsilon(card: PrivacyCard) -> float:
    """dp_accounting's RDP epsilon for the card's Poisson-sampled Gaussian segments."""
    from dp_accounting import rdp

    return _epsilon(card, rdp.RdpAccountant())


def pld_epsilon(card: PrivacyCard) -> float:
    """dp_accounting's privacy-loss-distribution epsilon (tight, like Opacus' PRV)."""
    from dp_accounting.pld import pld_privacy_accountant

    return _epsilon(card, pld_privacy_accountant.PLDAccountant())


def _epsilon(card: PrivacyCard, accountant: Any) -> float:
    from dp_accounting import dp_event

    for sigma, q, steps in card.accounting_history:
        inner = dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma))
        accountant.compose(dp_event.SelfComposedDpEvent(inner, steps))
    return float(accountant.get_epsilon(card.delta))
