"""A member who has a bit of everything, each personal value a marker that is easy to find."""

from dataclasses import dataclass

from django.db import connection

from communications.services.outbox import message_queue_text
from membership.services.lifecycle import waiver_request
from tests.experts.factories import make_expert, pdf_upload, small_pdf
from tests.factories import MemberFactory, UserFactory, issue_invoice, pay_invoice


@dataclass
class Marked:
    member: object
    user: object
    email: str
    name: str
    salary_cents: int
    cv_bytes: bytes
    invoice: object
    profile: object

    @property
    def text_markers(self) -> dict[str, str]:
        whole, frac = divmod(self.salary_cents, 100)
        return {
            "e-mail": self.email,
            "e-mail's local part": self.email.split("@")[0],
            "full name": self.name,
            "surname": self.name.split()[-1],
            "salary in cents": str(self.salary_cents),
            "salary as shown": f"{whole:,}.{frac:02d}",
            "salary in dollars": f"{whole}.{frac:02d}",
            "name in Chinese": NAME_ZH,
            "summary in Chinese": SUMMARY_ZH,
        }


NAME_ZH = "曲马罗泽菲"
SUMMARY_ZH = "马罗布鲁克镇行政官，主持预算改革。"


def make_marked_member(*, tag: str = "7c1e") -> Marked:
    email = f"zephyrine.quillmarrow.{tag}@example.org"
    name = f"Zephyrine Quillmarrow{tag}"
    salary_cents = 123_457_89
    user = UserFactory(email=email, username=email)
    member = MemberFactory(
        user=user,
        full_name=name,
        annual_salary_cents=salary_cents,
        employer=f"Township of Marrowbrook{tag}",
        job_title="Town Administrator",
    )
    invoice = issue_invoice(member)
    # A cheque whose reference names the member: the history snapshots the payment row.
    pay_invoice(invoice, reference=f"CHQ 4411 {name}")
    invoice.refresh_from_db()
    cv_bytes = small_pdf(f"Curriculum vitae of {name}")
    profile = make_expert(member=member, cv=pdf_upload(content=cv_bytes))
    profile.name_zh, profile.summary_zh = NAME_ZH, SUMMARY_ZH
    profile.save(update_fields=["name_zh", "summary_zh"])
    message_queue_text(
        to=email,
        template="test/hello",
        subject=f"Hello {name}",
        body=f"Dear {name}, your salary of ${salary_cents // 100:,} is on file.",
        user=user,
    )
    waiver_request(member=member, reason=f"{name} lost the position at Marrowbrook{tag}")
    return Marked(
        member=member,
        user=user,
        email=email,
        name=name,
        salary_cents=salary_cents,
        cv_bytes=cv_bytes,
        invoice=invoice,
        profile=profile,
    )


def tables_containing(text: str) -> list[str]:
    """Every table whose rows, cast to text, contain `text` (case-insensitive)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted} t WHERE t::text ILIKE %s", [f"%{text}%"])
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def bytea_columns_containing(data: bytes) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = 'bytea'"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)} "
                f"WHERE position(%s::bytea in {connection.ops.quote_name(column)}) > 0",
                [data],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found
