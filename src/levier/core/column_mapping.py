"""The column-mapping screen shared by the importers: which Levier field each column of a file feeds.

    form = ColumnMappingForm(request.POST or None, headers=read.headers, fields=FIELD_CHOICES,
                             samples=read.samples, current=read.mapping, required=REQUIRED_GROUPS)
    if form.is_valid():
        mapping, ignored = form.answers()          # {field: header}, headers not used
        save_answers(SpendColumnMapping, organisation, user, mapping, ignored)   # in the app's service

The page includes "core/column_mapping.html" inside its form: one line per column of the file, with its
header, a few of its values and a select of the fields (French labels), "not used" included. Answers are
checked in French: a field given by two columns, a required field given by none.

The answers are remembered per organisation in a model of the importing app with the fields
`organisation`, `header`, `header_key` (unique per organisation), `field` (empty: column not used),
`updated_by` and `updated_at`; `remembered_answers` reads them back, most recent first, as the
{header key: field} the readers take (`levier.ingest.column_answers.apply_answers`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from django import forms

from levier.ingest.tabular import normalize_header

NOT_USED = "-"
NOT_USED_LABEL = "Colonne non utilisée"
LATER = ""
LATER_LABEL = "Décider plus tard"
HEADER_KEY_LENGTH = 200


class ColumnMappingForm(forms.Form):
    """One select per column of the file: the field it feeds, or "not used"."""

    def __init__(
        self,
        *args,
        headers: Sequence[str],
        fields: Mapping[str, str],
        samples: Mapping[str, Sequence[str]] | None = None,
        current: Mapping[str, str] | None = None,
        required: Iterable[tuple[Sequence[str], str]] = (),
        allow_later: bool = False,
        **kwargs,
    ):
        """`fields` {field: French label}; `current` {field: header} as read now (the initial answers);
        `required` (fields, what they are): at least one of `fields` must be given a column;
        `allow_later` adds "Décider plus tard" (the default answer), which remembers nothing."""
        super().__init__(*args, **kwargs)
        self.headers = list(headers)
        self.field_labels = dict(fields)
        self.required_groups = [(tuple(names), what) for names, what in required]
        samples = samples or {}
        by_header = {header: name for name, header in (current or {}).items()}
        choices = [(NOT_USED, NOT_USED_LABEL), *self.field_labels.items()]
        if allow_later:
            choices.insert(0, (LATER, LATER_LABEL))
        default = LATER if allow_later else NOT_USED
        self.lines = []
        for index, header in enumerate(self.headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=f"Colonne « {header} »",
                choices=choices,
                initial=by_header.get(header, default),
                required=not allow_later,
                error_messages={
                    "invalid_choice": f"Colonne « {header} » : choisissez un champ de la liste.",
                    "required": f"Colonne « {header} » : choisissez un champ ou « {NOT_USED_LABEL} ».",
                },
            )
            self.lines.append((header, list(samples.get(header, ())), name))

    @property
    def rows(self):
        """(header, sample values, bound field) for each column, in the file's order."""
        return [(header, values, self[name]) for header, values, name in self.lines]

    def clean(self):
        data = super().clean()
        given: dict[str, str] = {}
        for header, _values, name in self.lines:
            value = data.get(name)
            if not value or value == NOT_USED:
                continue
            if value in given:
                self.add_error(
                    name,
                    f"« {self.field_labels[value]} » est déjà donné par la colonne « {given[value]} » : "
                    "une seule colonne par champ.",
                )
            else:
                given[value] = header
        if not self.errors:
            for names, what in self.required_groups:
                if not any(name in given for name in names):
                    self.add_error(None, f"Indiquez la colonne qui donne {what}.")
        return data

    def answers(self) -> tuple[dict[str, str], list[str]]:
        """{field: header} and the headers not used (a column left to "later" is in neither)."""
        mapping: dict[str, str] = {}
        ignored: list[str] = []
        for header, _values, name in self.lines:
            value = self.cleaned_data.get(name)
            if value == NOT_USED:
                ignored.append(header)
            elif value:
                mapping[value] = header
        return mapping, ignored


def remembered_answers(queryset, key: Callable[[object], str] = normalize_header) -> dict[str, str]:
    """{header key: field or ""} from the stored answers of one organisation, most recent first."""
    answers: dict[str, str] = {}
    for row in queryset.order_by("-updated_at", "-pk"):
        if row.header_key:
            answers.setdefault(row.header_key, row.field)
    return answers


def save_answers(
    model,
    organisation,
    user,
    mapping: Mapping[str, str],
    ignored: Iterable[str] = (),
    key: Callable[[object], str] = normalize_header,
) -> list:
    """Remember the answers (create or update one row per header); call it from the app's audited service.

    A header given to a field replaces what was remembered for that header; the field's other remembered
    headers stay (another layout of the organisation's exports may use them) but rank after it.
    """
    saved = []
    answers = [(header, name) for name, header in mapping.items() if header]
    answers += [(header, "") for header in ignored if header]
    for header, name in answers:
        row, _ = model.objects.update_or_create(
            organisation=organisation,
            header_key=key(header)[:HEADER_KEY_LENGTH],
            defaults={
                "header": header[:HEADER_KEY_LENGTH],
                "field": name,
                "updated_by": user if getattr(user, "is_authenticated", False) else None,
            },
        )
        saved.append(row)
    return saved
