"""The expert pool's zh-Hans catalogue is complete, and the check notices when it is not."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from scripts.expert_catalogue import PO_PATH, ROOT, catalogue_problems, catalogue_refresh

pytestmark = pytest.mark.skipif(shutil.which("msgattrib") is None, reason="gettext not installed")


def _copy_repo_scope(tmp_path: Path) -> Path:
    """A temporary copy of the repository parts the catalogue is built from."""
    copy = tmp_path / "repo"
    for part in ("templates", "experts", "locale"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("migrations"))
    return copy


def test_every_expert_pool_string_has_a_chinese_translation(tmp_path):
    po = catalogue_refresh(root=ROOT, work=tmp_path / "work")

    assert catalogue_problems(po) == []


def test_a_new_untranslated_template_string_fails_the_check(tmp_path):
    copy = _copy_repo_scope(tmp_path)
    page = copy / "templates" / "experts" / "withdraw_confirm.html"
    extra = '<p>{% translate "A sentence nobody has translated" %}</p>'
    page.write_text(page.read_text().replace("{% endblock %}", extra + "{% endblock %}"))

    problems = catalogue_problems(catalogue_refresh(root=copy, work=tmp_path / "work"))

    assert problems == ['untranslated: "A sentence nobody has translated"']


def test_a_new_untranslated_python_string_fails_the_check(tmp_path):
    copy = _copy_repo_scope(tmp_path)
    view = copy / "experts" / "views" / "member.py"
    view.write_text(view.read_text() + '\n\nEXTRA = _("A message nobody has translated")\n')

    problems = catalogue_problems(catalogue_refresh(root=copy, work=tmp_path / "work"))

    assert problems == ['untranslated: "A message nobody has translated"']


def test_a_fuzzy_translation_fails_the_check(tmp_path):
    copy = _copy_repo_scope(tmp_path)
    po = copy / PO_PATH
    po.write_text(
        po.read_text().replace('msgid "Give consent"', '#, fuzzy\nmsgid "Give consent"', 1)
    )

    problems = catalogue_problems(catalogue_refresh(root=copy, work=tmp_path / "work"))

    assert problems == ['only-fuzzy: "Give consent"']


def test_the_catalogue_compiles(tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(ROOT / PO_PATH)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_language_switch_turns_the_expert_pages_chinese(member):
    client = Client()
    client.force_login(member.user)

    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": reverse("experts:mine")}
    )
    assert response.status_code == 302
    page = client.get(reverse("experts:mine")).content.decode()

    assert "中国技术援助专家库" in page
    assert 'lang="zh-Hans"' in page
