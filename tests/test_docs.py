"""The project's own documentation links only to files inside the repository, and they exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]+)\)")
NEWCOMER_DOCS = ("architecture.md", "events.md", "local-stack.md", "operations.md")


def documents() -> list[Path]:
    found = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    found += sorted(ROOT.glob("*/README.md")) + sorted(ROOT.glob("infra/*/README.md"))
    # Tool caches (.pytest_cache, .venv) and npm packages carry their own READMEs.
    inside = [path.relative_to(ROOT).parts for path in found]
    return [
        path
        for path, parts in zip(found, inside, strict=True)
        if not any(part.startswith(".") or part == "node_modules" for part in parts)
    ]


def test_the_newcomer_docs_are_in_the_repository() -> None:
    for name in NEWCOMER_DOCS:
        assert (ROOT / "docs" / name).is_file(), name
    readme = (ROOT / "README.md").read_text()
    for name in NEWCOMER_DOCS:
        assert f"](docs/{name})" in readme, name


def test_every_link_points_at_a_file_inside_the_repository() -> None:
    checked = 0
    for document in documents():
        for target in LINK.findall(document.read_text()):
            assert "://" not in target, (document, target)
            assert not target.startswith("mailto:"), (document, target)
            path = (document.parent / target.split("#")[0]).resolve()
            assert path.is_relative_to(ROOT), (document, target)
            assert path.exists(), (document, target)
            checked += 1
    assert checked > 10


def test_no_document_points_outside_the_checkout() -> None:
    for document in documents():
        assert "../shared" not in document.read_text(), document
