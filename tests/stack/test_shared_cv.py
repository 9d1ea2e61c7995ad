"""A CV uploaded through one gunicorn process is downloaded through another: with the default
CV_STORAGE=database the file lives in PostgreSQL, not on the disk of the node that took it."""

import pytest

from tests.experts.factories import small_pdf
from tests.stack.browser import Browser
from tests.stack.services import gunicorn, production_env
from tests.stack.test_two_web_processes import PASSWORD, database_url

pytestmark = [pytest.mark.stack, pytest.mark.redis, pytest.mark.postgres]

# A real PDF: CVs are checked by structure.
CV_BYTES = small_pdf("A CV uploaded on node 1")


@pytest.fixture
def two_nodes(transactional_db, redis_url, static_manifest, tmp_path):
    """Two gunicorn processes, each with a private media folder of its own (and neither
    should need one)."""
    processes = []
    for n in (1, 2):
        node_media = tmp_path / f"media{n}"
        node_media.mkdir()
        env = production_env(
            DATABASE_URL=database_url(),
            REDIS_URL=redis_url,
            NODE_NAME=f"web{n}",
            PRIVATE_MEDIA_ROOT=str(node_media),
        )
        processes.append(gunicorn(env=env, log_dir=tmp_path, name=f"web{n}"))
    try:
        for process in processes:
            process.start(timeout=60)
        yield processes, tmp_path
    finally:
        for process in processes:
            process.stop()


def signed_in(port: int, email: str) -> Browser:
    browser = Browser(port)
    answer = browser.submit("/accounts/login/", {"login": email, "password": PASSWORD})
    assert (answer.status, answer.location) == (302, "/"), answer.text[:2000]
    return browser


def test_a_cv_uploaded_on_one_node_downloads_from_the_other(two_nodes):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from experts.models import StoredFile
    from tests.experts.factories import area, make_expert

    (web1, web2), tmp_path = two_nodes
    profile = make_expert()
    user = profile.member.user
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "stacktestsalt")
    user.save(update_fields=["password"])

    first = signed_in(web1.port, user.email)
    form = first.get("/experts/volunteer/")
    assert form.status == 200, form.text[:2000]
    assert form.headers["X-Served-By"] == "web1"
    saved = first.post_multipart(
        "/experts/volunteer/",
        {
            "areas": [str(area("city-county-management").pk)],
            "years_in_local_government": "10",
            "summary": "City manager with two decades of budgeting and planning work.",
            "engagement_types": ["workshop"],
            "lang_en": "4",
        },
        {"cv": ("My CV.pdf", CV_BYTES, "application/pdf")},
        csrf_from=form,
    )
    assert (saved.status, saved.location) == (302, "/experts/"), saved.text[:3000]

    profile.refresh_from_db()
    assert profile.cv.name
    assert bytes(StoredFile.objects.get(name=profile.cv.name).content) == CV_BYTES
    for n in (1, 2):
        assert list((tmp_path / f"media{n}").rglob("*")) == [], "a node wrote the CV to disk"

    second = signed_in(web2.port, user.email)
    status, body = second.body("/experts/cv/")
    assert status == 200
    assert body == CV_BYTES
    assert Browser(web2.port).body("/experts/cv/")[0] == 302  # not signed in: no CV
    # The session made on node 1 works on node 2 as well.
    first.port = web2.port
    assert first.body("/experts/cv/") == (200, CV_BYTES)
