"""The copies of ../shared/ that the tests check against still agree with it.

A clone on its own has no ../shared/: the tests then use the copies (docs/contract/,
guidebook/sources/) and this check is skipped. Where ../shared/ is beside the repository
(CI, the developers' machines), a copy that drifted is a failure naming the file to copy.
"""

from __future__ import annotations

import pytest

from tests.conftest import CONTRACT, SHARED, SOURCES

COPIES = {
    "contract/README.md": CONTRACT / "README.md",
    "contract/topics.yml": CONTRACT / "topics.yml",
    "guidebook/facts.md": SOURCES / "facts.md",
    "guidebook/centers.md": SOURCES / "centers.md",
    "seeds/miyagi-international-association.txt": SOURCES
    / "seeds"
    / "miyagi-international-association.txt",
    "seeds/musashino-international-association.txt": SOURCES
    / "seeds"
    / "musashino-international-association.txt",
}


def test_the_copies_exist() -> None:
    missing = [str(copy) for copy in COPIES.values() if not copy.is_file()]
    assert not missing, f"missing copies: {missing}"


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared/ beside the repository")
@pytest.mark.parametrize("name", sorted(COPIES))
def test_copy_agrees_with_shared(name: str) -> None:
    original = SHARED / name
    assert original.is_file(), f"../shared/{name} is gone: remove or replace its copy"
    assert COPIES[name].read_bytes() == original.read_bytes(), (
        f"{COPIES[name]} differs from ../shared/{name}: copy it again"
    )
