"""Register a trained model's privacy card in the audit log.

The card is saved beside the weights and also recorded as a `model` event, so
the audit trail shows which (epsilon, delta) guarantee stood behind every
output that names the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aigc_guard.audit import AuditEntry, AuditLog


def register_model(log: AuditLog, card: Any) -> AuditEntry:
    """Append a `model` event carrying the card (no personal data: figures and hashes only)."""
    from aigc_guard.audit import AuditRecord

    card_dict = card.to_dict() if hasattr(card, "to_dict") else dict(card)
    return log.append(
        AuditRecord(
            event="model",
            model_id=card_dict.get("model_id"),
            extra={"privacy_card": card_dict},
        )
    )
