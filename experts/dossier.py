"""The dossier a partner receives, in English, in Chinese, or both side by side.

Each language's part is rendered under `translation.override`, so its labels come from that
language's catalogue (locale/zh_Hans for Chinese) and its data from the matching fields: the
Chinese names of partners and areas, the request's Chinese title and description, the expert's
name in Chinese characters and Chinese summary, each falling back to the English value when
empty. The printable page and the PDF are two renderings of the same template; the PDF is laid
out by WeasyPrint with `static/css/document.css` and `static/css/dossier.css`, whose font
families (DejaVu Sans, Noto Sans CJK SC) are embedded in the file.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from experts.models import AssistanceRequest, DossierExport, ExpertProfile

Language = DossierExport.Language

# The language codes of each choice, in the order of the columns.
COLUMNS = {
    Language.ENGLISH: ("en",),
    Language.CHINESE: ("zh-hans",),
    Language.BOTH: ("en", "zh-hans"),
}

# What the dossier shows of each expert (recorded with each export).
FIELDS_EN = [
    "Name",
    "Job title",
    "Employer",
    "Country",
    "State or province",
    "Years in local government",
    "Areas of expertise",
    "Languages",
    "Engagement types",
    "E-mail",
    "Summary",
    "Biography",
]
FIELDS_ZH_EXTRA = ["Name in Chinese", "Summary in Chinese"]


def dossier_language(value: str | None) -> str:
    """The language asked for, English for anything unknown."""
    return value if value in COLUMNS else Language.ENGLISH


def dossier_fields(language: str) -> list[str]:
    fields = list(FIELDS_EN)
    if "zh-hans" in COLUMNS[language]:
        fields[1:1] = FIELDS_ZH_EXTRA[:1]
        fields.insert(fields.index("Summary") + 1, FIELDS_ZH_EXTRA[1])
    return fields


@dataclass
class DossierRow:
    """One band of the dossier: the same part (head or one expert) in each chosen language."""

    cells: list[tuple[str, SafeString]]


def _part(template: str, code: str, context: dict) -> tuple[str, SafeString]:
    with translation.override(code):
        html = render_to_string(template, {**context, "zh": code == "zh-hans", "code": code})
    return code, SafeString(html)


def dossier_rows(
    *, assistance: AssistanceRequest, experts: list[ExpertProfile], topics: list, language: str
) -> list[DossierRow]:
    codes = COLUMNS[language]
    today = timezone.localdate()
    head = {"assistance": assistance, "topics": topics, "today": today}
    rows = [DossierRow([_part("experts/dossier/head.html", code, head) for code in codes])]
    for profile in experts:
        context = {"profile": profile, "m": profile.member}
        rows.append(
            DossierRow([_part("experts/dossier/expert.html", code, context) for code in codes])
        )
    return rows


def dossier_context(
    *, assistance: AssistanceRequest, experts: list, topics: list, language: str, for_print: bool
) -> dict:
    return {
        "assistance": assistance,
        "experts": experts,
        "rows": dossier_rows(
            assistance=assistance, experts=experts, topics=topics, language=language
        ),
        "language": language,
        "side_by_side": len(COLUMNS[language]) > 1,
        "page_lang": "zh-Hans" if language == Language.CHINESE else "en",
        "layout": "experts/dossier/print_layout.html" if for_print else "experts/base.html",
        "for_print": for_print,
        "languages": Language.choices,
    }


def dossier_pdf(**context_args) -> bytes:
    from weasyprint import HTML

    from billing.documents import _static_fetcher

    html = render_to_string(
        "experts/staff/dossier_print.html", dossier_context(for_print=True, **context_args)
    )
    return HTML(string=html, base_url="/", url_fetcher=_static_fetcher).write_pdf()
