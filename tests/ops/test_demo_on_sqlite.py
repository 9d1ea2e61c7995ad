"""`make run` serves the demo from SQLite: every page a staff member or a member opens there
answers without a server error, the reports' hand-written SQL included (the suite itself runs
on PostgreSQL, so this is the only place SQLite is exercised)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run inside the demo's own settings, against the SQLite file `make run` would use.
WALK = r"""
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

User = get_user_model()
staff = User.objects.get(email="staff@demo.icma.org")
if not Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists():
    Authenticator.objects.create(user=staff, type="totp", data={"secret": "demo"})
member = User.objects.get(email="member@demo.icma.org")
pages = {
    staff: [
        "reports:staff_home", "reports:renewals_due", "reports:membership", "reports:revenue",
        "reports:aging", "reports:waivers", "reports:forecast", "reports:experts",
        "billing_staff:member_list", "billing_staff:waiver_list", "dues:staff_schedules",
        "experts:staff_overview", "experts:staff_requests", "membership:staff_import_list",
        "billing_staff:group_list", "billing_staff:group_new", "billing_staff:credit_list",
    ],
    member: ["home", "billing:dashboard", "billing:renew", "experts:mine", "dues:calculator"],
}
failed = []
for user, names in pages.items():
    client = Client(raise_request_exception=False)
    client.force_login(user)
    for name in names:
        status = client.get(reverse(name), SERVER_NAME="localhost").status_code
        print(name, status)
        if status >= 500:
            failed.append(name)

# The dashboard and the staff member page read the rules, the waivers and the latest staff
# change as JSON columns of the member's row: what they show must survive SQLite's JSON.
from django.utils import timezone
from django.utils.formats import date_format
from membership.models import WaiverRequest
from membership.services.lifecycle import waiver_decide, waiver_request
from membership.services.staff_members import member_update_by_staff

WaiverRequest.objects.filter(member=member.member, status="requested").delete()
waiver = waiver_request(member=member.member, reason="Position eliminated.")
waiver_decide(request_id=waiver.pk, approve=False, decided_by=staff, note="Employed again.",
              on=timezone.localdate())
member_update_by_staff(member=member.member, changed_by=staff, job_title="Deputy Manager")
client = Client(raise_request_exception=False)
client.force_login(member)
page = client.get(reverse("billing:dashboard"), SERVER_NAME="localhost").content.decode()
declined = "was declined on " + date_format(timezone.localdate())
print("dashboard waiver", declined in page and "Employed again." in page)
print("dashboard staff change", "(job title)" in page)
print("dashboard rules", "6 months at a time, up to 36 months" in page)
client.force_login(staff)
url = reverse("billing_staff:member_detail", args=[member.member.member_number])
response = client.get(url, SERVER_NAME="localhost")
print("billing_staff:member_detail", response.status_code)
print("staff page waiver", "by staff@demo.icma.org" in response.content.decode())
print("FAILED", failed)
"""


def test_the_demo_on_sqlite_serves_every_staff_and_member_page(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    env.pop("TEST_REDIS_URL", None)

    def manage(*args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            **kwargs,
        )

    for step in (("migrate", "--noinput"), ("load_demo",)):
        done = manage(*step)
        assert done.returncode == 0, done.stderr[-3000:]
    walk = manage("shell", "-c", WALK)
    assert walk.returncode == 0, walk.stderr[-3000:]
    assert "FAILED []" in walk.stdout, walk.stdout + walk.stderr[-3000:]
    assert "reports:membership 200" in walk.stdout, walk.stdout
    for shown in (
        "dashboard waiver True",
        "dashboard staff change True",
        "dashboard rules True",
        "billing_staff:member_detail 200",
        "staff page waiver True",
    ):
        assert shown in walk.stdout, walk.stdout
