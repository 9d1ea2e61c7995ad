"""The expert pool's Simplified Chinese catalogue: refresh it, or check it is complete.

The catalogue covers what an expert reads in the pool (member pages, consent, e-mails) and what
a partner receives (the dossier). Its scope is SCOPE below; the rest of the portal stays English.

    python scripts/expert_catalogue.py update   # extract into locale/zh_Hans, keeping translations
    python scripts/expert_catalogue.py check    # exit 1 if a string is untranslated or fuzzy

Both run Django's makemessages over a temporary copy of the scope, so only the expert pool's
strings are extracted, and the check never writes to the repository.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = "zh_Hans"
PO_PATH = Path("locale") / LOCALE / "LC_MESSAGES" / "django.po"
# Files whose strings an expert or a partner reads.
SCOPE = (
    "templates/base.html",
    "templates/experts/*.html",
    "templates/experts/includes/*.html",
    "templates/experts/email/*.txt",
    "templates/experts/staff/dossier_print.html",
    "experts/views/member.py",
    "experts/forms.py",
    "experts/models/taxonomy.py",
    "experts/notifications.py",
    "templates/experts/dossier/*.html",
)


def _copy_scope(root: Path, dest: Path) -> None:
    for pattern in SCOPE:
        for path in sorted(root.glob(pattern)):
            target = dest / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    existing = root / PO_PATH
    if existing.exists():
        (dest / PO_PATH).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(existing, dest / PO_PATH)


def catalogue_refresh(*, root: Path, work: Path) -> Path:
    """Extract the scope's strings into work's catalogue, merged with root's translations."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    _copy_scope(root, work)
    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
        django.setup()
    saved_paths, saved_cwd = settings.LOCALE_PATHS, os.getcwd()
    settings.LOCALE_PATHS = [str(work / "locale")]
    os.chdir(work)
    try:
        call_command(
            "makemessages",
            locale=[LOCALE],
            extensions=["html", "txt", "py"],
            no_location=True,
            no_obsolete=True,
            verbosity=0,
        )
    finally:
        os.chdir(saved_cwd)
        settings.LOCALE_PATHS = saved_paths
    return work / PO_PATH


def catalogue_problems(po: Path) -> list[str]:
    """Msgids of the catalogue that are untranslated or fuzzy (empty when complete)."""
    problems = []
    for flag in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(
            ["msgattrib", flag, "--no-wrap", str(po)], capture_output=True, text=True, check=True
        ).stdout
        for line in out.splitlines():
            if line.startswith("msgid ") and line != 'msgid ""':
                problems.append(f"{flag.strip('-')}: {line[6:]}")
    # msgfmt --check also rejects broken placeholders; it must compile.
    subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(po)], capture_output=True, text=True, check=True
    )
    return problems


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    command = argv[1] if len(argv) > 1 else "check"
    with tempfile.TemporaryDirectory() as tmp:
        po = catalogue_refresh(root=ROOT, work=Path(tmp))
        if command == "update":
            (ROOT / PO_PATH).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(po, ROOT / PO_PATH)
            print(f"Wrote {PO_PATH}")
            return 0
        problems = catalogue_problems(po)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} string(s) of the expert pool lack a zh-Hans translation.")
        return 1
    print("The zh-Hans catalogue of the expert pool is complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
