"""A distinctive secret, resolved from the environment into every string field of a complete manifest
(names, free text, paths, URLs, headers, serve env and argv, ids), never appears in any output: stdout,
stderr, every report format, the history database, and `history`, `diff` and `report`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from support import EXAMPLES, run_cli

from readiness.errors import ManifestError, ManifestErrors
from readiness.manifest import load_manifest

SECRET = "Zx9-S3cr3t-Qw7-Tk"
TOKEN = "${API_TOKEN}"
PATH_KEYS = {"path", "sample_path", "model_card", "sbom"}
URL_KEYS = {"url", "ready_url"}


def poison(value, key=None):
    """Every string leaf with the secret in it, in the way that field can carry one."""
    if isinstance(value, dict):
        return {k: poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, key) for v in value]
    if isinstance(value, str) and key in URL_KEYS:
        return value.replace("http://", f"http://reader:{TOKEN}@", 1)  # credentials in the URL
    if isinstance(value, str) and key in PATH_KEYS:
        p = Path(value)
        return str(p.with_name(f"{p.stem}-{TOKEN}{p.suffix}"))
    if isinstance(value, str) and key != "command":
        return f"{value} {TOKEN}"
    return value


def unpoison(doc, loc):
    """Undo the poison at one location (a field whose type or pattern cannot hold it)."""
    *parents, last = loc
    node = doc
    for part in parents:
        node = node[part]
    if isinstance(node[last], str):
        node[last] = node[last].replace(f" {TOKEN}", "")


def locate(error: ManifestError, doc):
    parts = []
    for piece in (error.field or "").replace("]", "").replace("[", ".").split("."):
        if piece:
            parts.append(int(piece) if piece.isdigit() else piece)
    node = doc
    for i, part in enumerate(parts):  # keep the longest prefix that names a string leaf
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return parts[:i]
    return parts


@pytest.mark.slow
@pytest.mark.e2e
def test_a_secret_in_every_field_never_leaves(tmp_path):
    folder = tmp_path / "credit-risk"
    shutil.copytree(EXAMPLES / "credit-risk", folder, ignore=shutil.ignore_patterns("readiness-history*"))
    doc = yaml.safe_load((folder / "readiness.yaml").read_text())
    doc = poison(doc)
    doc["load_test"] = {"duration_s": 1, "warmup_s": 0, "stages": [1.0], "min_samples": 0}
    doc["evaluation"]["max_rows"] = 300  # scored by the candidate and the champion: enough to show each field
    doc["model"]["endpoint"]["headers"] = {"Authorization": f"Bearer {TOKEN}", "X-Api-Key": TOKEN}
    doc["model"]["serve"]["env"] = {"MODEL_TOKEN": TOKEN}
    # the secret in the serve argv, dropped before serve.py parses its arguments
    doc["model"]["serve"]["command"] = [
        "python",
        "-c",
        "import runpy, sys; sys.argv = ['serve.py'] + sys.argv[2:]; runpy.run_path('serve.py', run_name='__main__')",
        TOKEN,
        "--port",
        "{port}",
    ]
    for src in list(folder.rglob("*")):
        if src.is_file() and src.suffix in {".csv", ".jsonl", ".json", ".md"}:
            shutil.copy(src, src.with_name(f"{src.stem}-{SECRET}{src.suffix}"))
    path = folder / "readiness.yaml"
    env = {"API_TOKEN": SECRET}
    for _ in range(40):  # fields whose pattern or type cannot hold the secret keep their value
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        try:
            load_manifest(path, env=env)
            break
        except ManifestErrors as exc:
            for e in exc.errors:
                unpoison(doc, locate(e, doc))
        except ManifestError as exc:
            unpoison(doc, locate(exc, doc))
    loaded = load_manifest(path, env=env)
    assert SECRET in loaded.manifest.model.name and SECRET in loaded.manifest.data.production.path
    assert SECRET in loaded.manifest.model.endpoint.url and SECRET in loaded.manifest.owners.production_owner.name

    out, history = tmp_path / "out", tmp_path / "history.sqlite"
    texts = []
    run = run_cli(
        "assess",
        str(path),
        "-f",
        "all",
        "-o",
        str(out),
        "--history",
        str(history),
        "--as-of",
        "2026-11-22",
        env=env,
        timeout=300,
    )
    assert run.code in (0, 1), run.err[-3000:]
    texts += [run.out, run.err]
    run = run_cli("approve", str(path), "--history", str(history), "--by", "Elena Fischer", env=env)
    assert run.code == 0, run.err
    texts += [run.out, run.err]
    a = json.loads((out / "assessment.json").read_text())
    assert any("[redacted]" in json.dumps(o) for o in a["outcomes"])  # the secret was there to redact
    for args in (
        ("history", str(path), "--history", str(history)),
        ("history", str(path), "--history", str(history), "--json"),
        ("diff", str(out / "assessment.json"), str(out / "assessment.json")),
        # the PDF renderer is the assess run's, checked above; the re-rendered text formats are checked here
        ("report", str(out / "assessment.json"), "-f", "html,md,junit,sarif", "-o", str(tmp_path / "again")),
    ):
        run = run_cli(*args, env=env)
        assert run.code in (0, 1), (args, run.err[-2000:])
        texts += [run.out, run.err]
    from pypdf import PdfReader

    for folder_out in (out, tmp_path / "again"):
        for f in folder_out.iterdir():
            if f.suffix == ".pdf":
                texts.append(" ".join(page.extract_text() for page in PdfReader(f).pages))
                texts.append(f.read_bytes().decode("latin-1"))
            else:
                texts.append(f.read_text(encoding="utf-8"))
    texts.append(history.read_bytes().decode("latin-1"))
    for text in texts:
        assert SECRET not in text
