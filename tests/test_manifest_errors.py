"""A corpus of broken manifests: each must exit 2 naming the file, the line and the field.

Each file's first line says what to expect: ``# expect line=N field=F text=T`` (empty = no line or
field in the message).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import DATA, invoke

from readiness.errors import ManifestError, ManifestErrors
from readiness.manifest import load_manifest

CORPUS = sorted((DATA / "broken").glob("*.yaml"))
EXPECT = re.compile(r"^# expect line=(\d*) field=(\S*) text=(.+)$")


def expectation(path: Path) -> tuple[int | None, str | None, str]:
    match = EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name} lacks its '# expect' line"
    line, field, text = match.groups()
    return (int(line) if line else None), (field or None), text


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 15


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_broken_manifest_is_located(path):
    line, field, text = expectation(path)
    with pytest.raises((ManifestError, ManifestErrors)) as info:
        load_manifest(path, env={})
    errors = info.value.errors if isinstance(info.value, ManifestErrors) else [info.value]
    first = errors[0]
    assert text in str(first), str(first)
    assert first.file == str(path)
    assert first.line == line, str(first)
    assert first.field == field, str(first)


@pytest.mark.parametrize("path", CORPUS[::4], ids=[p.stem for p in CORPUS[::4]])
def test_cli_reports_file_line_field_and_exits_2(path):
    line, field, text = expectation(path)
    r = invoke("validate", str(path), env={"READINESS_TEST_UNSET_TOKEN": ""} if False else None)
    assert r.code == 2
    assert "Traceback" not in r.err
    prefix = f"{path}:{line}:" if line else f"{path}:"
    assert prefix in r.err, r.err
    if field:
        assert f" {field}:" in r.err
    assert text in r.err


def test_several_errors_are_reported_together(write):
    path = write(
        "m.yaml",
        """
        model:
          id: a
          version: [1]
        owners:
          nobody: x
    """,
    )
    with pytest.raises(ManifestErrors) as info:
        load_manifest(path)
    fields = {e.field for e in info.value.errors}
    assert fields == {"model.name", "model.version", "owners.nobody"}


def test_oversized_manifest_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("model: {id: a, name: A, version: '1'}\n" + "# padding\n" * 300_000)
    r = invoke("validate", str(path))
    assert r.code == 2
    assert "the limit is" in r.err
