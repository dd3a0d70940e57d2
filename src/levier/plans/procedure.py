"""The procedure of a planned purchase: derived from the thresholds of the rules core, or the buyer's own.

Thresholds are judged on the whole duration, all lots together (R2121-1): the purchase's total amount,
or the amount as typed when the plan does not say what it covers. Without an amount, or without a nature
or a CPV telling it, nothing is derived. The launch date decides which thresholds are in force; a line
without one is judged at the start of its plan's year.

What a plan's "Procédure" column says is read into the same codes when it names one ("MAPA", "Appel
d'offres ouvert"); techniques that are not procedures ("Accord-cadre", "Marché subséquent") stay as text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from levier.rules.legal import LegalFrameError, legal_frame
from levier.rules.text import fold

from .models import Procedure

# Folded phrases of the "Procédure" column, longest first when they overlap.
_TEXT_TO_PROCEDURE = (
    ("sans publicite ni mise en concurrence", Procedure.NO_PUBLICITY),
    ("sans publicite", Procedure.NO_PUBLICITY),
    ("gre a gre", Procedure.NO_PUBLICITY),
    ("achat direct", Procedure.NO_PUBLICITY),
    ("services sociaux", Procedure.ADAPTED_SOCIAL_SERVICES),
    ("procedure adaptee", Procedure.ADAPTED),
    ("mapa", Procedure.ADAPTED),
    ("appel d offres", Procedure.FORMAL),
    ("aoo", Procedure.FORMAL),
    ("aor", Procedure.FORMAL),
    ("procedure formalisee", Procedure.FORMAL),
    ("dialogue competitif", Procedure.FORMAL),
    ("procedure avec negociation", Procedure.FORMAL),
)


def procedure_from_text(text: str | None) -> str | None:
    """The procedure code a plan's text names, or None (empty, or a technique such as an accord-cadre)."""
    folded = f" {fold(text or '')} "
    for phrase, code in _TEXT_TO_PROCEDURE:
        if f" {phrase} " in folded:
            return code.value
    return None


def derive_procedure(
    *,
    buyer_kind: str,
    nature: str,
    cpv: str,
    amount: Decimal | None,
    launch_date: dt.date | None,
    plan_year: int,
) -> str:
    """The procedure code the thresholds give, or "" when the line does not say enough."""
    if amount is None or not (nature or cpv):
        return ""
    try:
        frame = legal_frame(
            float(amount),
            nature,
            buyer_kind,
            launch_date or dt.date(plan_year, 1, 1),
            cpv=cpv or None,
        )
    except LegalFrameError:
        return ""
    return frame.procedure.code
