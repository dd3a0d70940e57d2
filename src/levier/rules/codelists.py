"""EU code lists in OASIS Genericode (the eForms SDK's codelists/*.gc), and the copies shipped here.

The list of CPV codes of "social and other specific services" decides where L2113-15 (contracts
reserved to ESS companies) may apply. A normalised copy ships in rules/data/social_service_cpv.json
so that the product works without the SDK; `read_genericode` rebuilds it from the official file.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

_GC_NAMESPACE = "{http://docs.oasis-open.org/codelist/ns/genericode/1.0/}"


@dataclass(frozen=True)
class CodeList:
    short_name: str
    version: str
    codes: dict[str, dict[str, str]]  # code -> {column id: value}

    def labels(self, column: str = "fra_label") -> dict[str, str]:
        return {code: values.get(column) or values.get("Name", "") for code, values in self.codes.items()}


def read_genericode(path: str | Path) -> CodeList:
    """Every row of a Genericode file, keyed by its `code` column."""
    root = ET.parse(Path(path)).getroot()
    identification = root.find("Identification")
    short_name = identification.findtext("ShortName", "") if identification is not None else ""
    version = identification.findtext("Version", "") if identification is not None else ""
    rows: dict[str, dict[str, str]] = {}
    for row in root.iter("Row"):
        values = {
            value.get("ColumnRef", ""): (value.findtext("SimpleValue") or "").strip()
            for value in row.findall("Value")
        }
        code = values.get("code")
        if code:
            rows[code] = values
    if not rows and not root.tag.startswith(_GC_NAMESPACE):
        raise ValueError(f"{Path(path).name} : ce n'est pas une liste de codes Genericode.")
    return CodeList(short_name=short_name, version=version, codes=rows)


def social_service_payload(code_list: CodeList, source_file: str) -> dict[str, object]:
    """The shipped JSON document for the social-services CPV list."""
    return {
        "name": "social-service-cpv",
        "description": (
            "CPV codes of social and other specific services (Annex XIV of Directive 2014/24/EU), "
            "the scope of L2113-15 reservations"
        ),
        "source": f"OP-TED eForms SDK, codelists/{source_file}, version {code_list.version}",
        "licence": "CC BY 4.0, Publications Office of the European Union",
        "codes": {code: labels for code, labels in sorted(code_list.labels().items())},
    }


@cache
def social_service_cpv() -> dict[str, str]:
    """CPV code (8 digits) -> French label, for the social and other specific services."""
    text = resources.files("levier.rules").joinpath("data", "social_service_cpv.json").read_text("utf-8")
    return dict(json.loads(text)["codes"])


def social_service_source() -> str:
    text = resources.files("levier.rules").joinpath("data", "social_service_cpv.json").read_text("utf-8")
    return str(json.loads(text)["source"])


def is_social_service_cpv(code: str) -> bool:
    """True when the code is on the list (exact code: the list names leaf and parent codes alike)."""
    return code in social_service_cpv()
