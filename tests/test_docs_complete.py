"""The docs are complete by test: every property of the manifest schema is documented in docs/manifest.md,
every check's parameters are explained in `checks explain`, and the README's commands are the ones that run."""

from __future__ import annotations

import json
import re

from support import ROOT, run_cli

from readiness.registry import load_registry


def schema_properties() -> dict[str, str]:
    """Every property name in the manifest schema, with the first dotted path it is found at."""
    schema = json.loads((ROOT / "docs" / "manifest.schema.json").read_text(encoding="utf-8"))
    defs = schema.get("$defs", {})
    names: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()

    def walk(node: object, path: str) -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            key = (ref, path)
            if key not in seen:
                seen.add(key)
                walk(defs[ref.rsplit("/", 1)[-1]], path)
        for name, sub in (node.get("properties") or {}).items():
            names.setdefault(name, f"{path}.{name}".lstrip("."))
            walk(sub, f"{path}.{name}")
        for key in ("items", "additionalProperties"):
            walk(node.get(key), path + "[]")
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key) or []:
                walk(sub, path)

    walk(schema, "")
    return names


def documented(name: str, doc: str, yaml_blocks: str) -> bool:
    """A name is documented when the prose names it in backticks, or a YAML example uses it as a key."""
    in_prose = re.search(rf"`{re.escape(name)}[`:\s(]", doc) is not None
    in_example = re.search(rf"(^|[\s{{,#-]){re.escape(name)}:", yaml_blocks, re.M) is not None
    return in_prose or in_example


def test_every_manifest_property_is_in_docs_manifest_md():
    doc = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```yaml\n(.*?)```", doc, re.S))
    names = schema_properties()
    assert len(names) > 250  # the walk reached the nested sections, not just the top
    missing = sorted(path for name, path in names.items() if not documented(name, doc, blocks))
    assert not missing, "docs/manifest.md does not mention: " + ", ".join(missing)


def test_the_walk_would_catch_an_undocumented_property():
    doc = "| `model` | `id` |\n```yaml\nmodel:\n  id: x\n```\n"
    blocks = "model:\n  id: x\n"
    assert documented("id", doc, blocks) and documented("model", doc, blocks)
    assert not documented("intended_purpose", doc, blocks)


def test_every_checks_parameters_are_explained():
    from typer.testing import CliRunner

    from readiness.cli import app

    runner = CliRunner()
    explained = 0
    for reg in load_registry(plugins=False):
        check = reg.check
        if not check.params:
            continue
        shown = runner.invoke(app, ["checks", "explain", check.id], env={"COLUMNS": "200"})
        assert shown.exit_code == 0, shown.output
        for name, param in check.params.items():
            assert f"{name} = " in shown.output, f"`checks explain {check.id}` does not show its parameter {name}"
            assert param.description.split()[0] in shown.output, f"{check.id}.{name}: its help is not shown"
        explained += 1
    assert explained >= 20
    # and through the installed command, once
    one = run_cli("checks", "explain", "fair-001", env={"COLUMNS": "200"})
    assert one.code == 0 and "min_group_size = 100" in one.out


def test_every_readme_command_names_a_real_command_and_options():
    """Each `readiness ...` the README shows is a command readiness has, with options it takes, and every
    example manifest it names validates."""
    from typer.testing import CliRunner

    from readiness.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```bash\n(.*?)```", readme, re.S))
    shown = re.findall(r"`readiness ([^`]*)`", readme) + re.findall(
        r"readiness ((?:assess|validate|report)[^\n&|]*)", blocks
    )
    runner = CliRunner()
    assert len(shown) >= 15
    for command in shown:
        words = [w for w in command.split() if w not in {"...", "[PATH]", "[--assessment]"}]
        path = []
        for w in words:
            if w.startswith("-") or w.isupper() or "/" in w or "." in w:
                break
            path.append(w)
        helped = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert helped.exit_code == 0, (command, helped.output)
        for option in (w.split("=")[0] for w in words if w.startswith("--")):
            assert option in helped.output, f"README's `readiness {command}`: {option} is not an option"
        for manifest in (w for w in words if w.endswith(".yaml") and w.startswith("examples/")):
            ok = runner.invoke(app, ["validate", manifest])
            assert ok.exit_code == 0, (manifest, ok.output)
