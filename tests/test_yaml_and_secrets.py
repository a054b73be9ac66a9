"""Safe YAML, environment interpolation, and secrets that never reach any output."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import run_cli

from readiness.errors import ManifestError, ManifestErrors, SourceError
from readiness.manifest import load_manifest
from readiness.yamlsource import parse_yaml


def parse(text: str, env=None):
    return parse_yaml(text, Path("t.yaml"), env=env or {})


def test_python_tags_are_refused():
    with pytest.raises(SourceError, match="t.yaml:1"):
        parse("x: !!python/object/apply:os.system ['echo pwned']\n")


def test_recursive_alias_is_refused():
    with pytest.raises(SourceError, match="refused"):
        parse("a: &a [*a]\n")


def test_lines_are_recorded_for_keys_and_items():
    src = parse("a:\n  b: 1\n  c:\n    - x\n    - y\n")
    assert src.line_of(("a", "b")) == 2
    assert src.line_of(("a", "c", 1)) == 5
    assert src.line_of(("a", "c", 1, "deeper")) == 5


def test_yaml11_booleans_as_keys_stay_text():
    assert parse("on: 1\nno: 2\n").data == {"on": 1, "no": 2}


def test_interpolation_defaults_and_escapes():
    src = parse("a: ${X}\nb: ${Y:-fallback}\nc: $${X}\n", env={"X": "from-env"})
    assert src.data == {"a": "from-env", "b": "fallback", "c": "${X}"}
    assert src.secrets == {"from-env"}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_either_loads_or_gives_a_located_error(text):
    try:
        parse(text)
    except SourceError as exc:
        assert str(exc).startswith("t.yaml")


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=30,
    )
)
def test_any_yaml_document_validates_or_fails_cleanly(tmp_path_factory, data):
    import yaml

    path = tmp_path_factory.mktemp("m") / "m.yaml"
    path.write_text(yaml.safe_dump({"model": data}), encoding="utf-8")
    try:
        load_manifest(path, env={})
    except (ManifestError, ManifestErrors):
        pass


def test_secrets_from_the_environment_never_appear_in_reports(write, tmp_path):
    secret = "s3cr3t-token-4f9a8b7c"
    write("tinymodel.py", "def predict(row):\n    return None\n")
    manifest = write(
        "m.yaml",
        """
        model:
          id: a
          name: A
          version: '1.0.0'
          intended_purpose: calls ${API_TOKEN} on purpose
          endpoint:
            kind: http
            url: http://127.0.0.1:9/predict?key=${API_TOKEN}
            headers: {Authorization: "Bearer ${API_TOKEN}"}
            timeout_s: 1
        owners:
          production_owner: {name: "${API_TOKEN}"}
    """,
    )
    out = tmp_path / "out"
    r = run_cli("assess", str(manifest), "-o", str(out), "-f", "terminal,json", env={"API_TOKEN": secret})
    assert r.code == 1, r.err
    assert "127.0.0.1:9" in (out / "assessment.json").read_text()
    for text in (r.out, r.err, (out / "assessment.json").read_text()):
        assert secret not in text
    assert "[redacted]" in (out / "assessment.json").read_text()


def test_secret_in_a_validation_error_is_not_echoed(write):
    manifest = write("m.yaml", "model: {id: a, name: A, version: '1', risk_tier: '${TIER}'}\n")
    r = run_cli("validate", str(manifest), env={"TIER": "topsecretvalue"})
    assert r.code == 2
    assert "topsecretvalue" not in r.err and "model.risk_tier" in r.err
