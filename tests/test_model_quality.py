"""Quality, fairness, champion vs challenger, explanation stability and predictions-only mode, each
against real scikit-learn models served over real HTTP on 127.0.0.1 (tests/sklearn_server.py), with
the defect known by construction and the expected figure computed here, independently of readiness."""

from __future__ import annotations

import csv

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, precision_score, recall_score, roc_auc_score
from support import NOW, ROOT

from readiness import metrics as M
from readiness.api import assess
from readiness.engine import RunOptions

SERVER = ROOT / "tests" / "sklearn_server.py"


def run(path, *only):
    a = assess(path, options=RunOptions(now=NOW, only=only))
    return {o.id: o.result for o in a.outcomes if o.id in only}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def world(seed: int, n: int, biased: bool, small_group: int = 0) -> dict[str, np.ndarray]:
    """Applicants in groups A and B. When ``biased``, group B's incomes are a standard deviation lower,
    so a model that never sees the group still approves B less often: the gap is there by construction."""
    rng = np.random.default_rng(seed)
    group = rng.choice(np.array(["A", "B"]), n)
    if small_group:
        group[:small_group] = "C"
    income = rng.normal(0, 1, n) - (np.where(group == "B", 1.0, 0.0) if biased else 0.0)
    debt = rng.normal(0, 1, n)
    label = (rng.random(n) < sigmoid(-1 - 1.5 * income + 1.0 * debt)).astype(int)
    return {
        "id": np.array([f"R{i:05d}" for i in range(n)]),
        "income": income.round(6),
        "debt": debt.round(6),
        "group": group,
        "defaulted": label,
    }


def write_rows(path, cols, names=None):
    names = names or list(cols)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(len(cols[names[0]])):
            w.writerow([cols[c][i].item() if hasattr(cols[c][i], "item") else cols[c][i] for c in names])


def fit(cols, features, index=None):
    x = np.column_stack([cols[f] for f in features])
    y = cols["defaulted"]
    if index is not None:
        x, y = x[index], y[index]
    return LogisticRegression(max_iter=1000).fit(x, y)


def save(tmp_path, name, model, features, threshold=0.5):
    path = tmp_path / name
    joblib.dump({"model": model, "features": features, "threshold": threshold}, path)
    return path


def served(tmp_path, model_file, reasons="ranked", noise=0.0):
    endpoint = '{url: "http://127.0.0.1:{port}/predict", timeout_s: 5}'
    serve = (
        f'{{command: [python, {SERVER}, --port, "{{port}}", --model, {model_file}, --reasons, {reasons}, '
        f'--noise, "{noise}"], '
        'ready_url: "http://127.0.0.1:{port}/health", port: auto}'
    )
    return endpoint, serve


OUTPUTS = "{score: score, decision: decision, positive: [decline], adverse: [decline]}"


def manifest(write, tmp_path, model_file, extra="", reasons="ranked", noise=0.0, outputs=OUTPUTS):
    endpoint, serve = served(tmp_path, model_file, reasons, noise)
    return write(
        "m.yaml",
        f"""
        model:
          id: m
          name: M
          version: 2.0.0
          endpoint: {endpoint}
          serve: {serve}
          outputs: {outputs}
        data:
          evaluation: {{path: data/eval.csv}}
          production: {{path: data/prod.csv}}
        evaluation:
          label: defaulted
          metrics:
            auc: {{min: 0.6, poc_claim: 0.95}}
            brier: {{max: 0.3}}
        fairness: {{protected_attributes: [group]}}
        explainability: {{response_path: reasons, reason_code_catalogue: [income, debt]}}
        {extra}
    """,
    )


@pytest.fixture
def biased(tmp_path):
    train, evaluation = world(1, 3000, biased=True), world(2, 2000, biased=True, small_group=40)
    model = fit(train, ["income", "debt"])
    write_rows(tmp_path / "data" / "eval.csv", evaluation)
    write_rows(tmp_path / "data" / "prod.csv", evaluation, ["id", "income", "debt"])
    return model, evaluation, save(tmp_path, "biased.joblib", model, ["income", "debt"])


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(3)
    truth = rng.random(500) < 0.3
    scores = np.round(np.clip(truth * 0.2 + rng.random(500) * 0.8, 0, 1), 2)  # rounded: many ties
    predicted = scores >= 0.5
    t, s, p = truth.tolist(), scores.tolist(), predicted.tolist()
    assert M.auc(t, s) == pytest.approx(roc_auc_score(truth, scores), abs=1e-12)
    assert M.brier(t, s) == pytest.approx(brier_score_loss(truth, scores), abs=1e-12)
    for name, reference in (
        ("accuracy", accuracy_score),
        ("precision", precision_score),
        ("recall", recall_score),
        ("f1", f1_score),
    ):
        assert M.compute(name, t, p, None) == pytest.approx(reference(truth, predicted), abs=1e-12), name
    # two bins: 0.1 (two rows, one positive) and 0.9 (two rows, both positive): |0.5-0.1|/2 + |1-0.9|/2
    assert M.calibration_error([True, False, True, True], [0.1, 0.1, 0.9, 0.9]) == pytest.approx(0.25)
    assert M.auc([True, True], [0.2, 0.9]) is None  # one class: undefined, not 0
    assert M.compute("precision", [True, False], [False, False], None) is None


@pytest.mark.slow
def test_quality_is_measured_against_thresholds_and_the_poc_claim(write, tmp_path, biased):
    model, evaluation, model_file = biased
    got = run(manifest(write, tmp_path, model_file), "EVAL-001")["EVAL-001"]
    x = np.column_stack([evaluation["income"], evaluation["debt"]])
    expected_auc = roc_auc_score(evaluation["defaulted"], model.predict_proba(x)[:, 1])
    auc = got.metrics["metrics"]["auc"]
    assert auc["value"] == pytest.approx(expected_auc, abs=1e-6)
    assert got.metrics["labelled"] == 2000 and got.evidence_kind.value == "measured"
    # above its threshold, far below the lab's 0.95: a visible gap, not a pass
    assert got.status.value == "warn"
    claim = got.findings[0]
    assert "claimed auc 0.95" in claim.message and f"{expected_auc - 0.95:+.3f}" in claim.message
    assert auc["gap_to_claim"] == pytest.approx(expected_auc - 0.95, abs=1e-6)
    strict = manifest(write, tmp_path, model_file).read_text().replace("min: 0.6", "min: 0.99")
    write("m.yaml", strict)
    failed = run(tmp_path / "m.yaml", "EVAL-001")["EVAL-001"]
    assert failed.status.value == "fail" and "below its threshold 0.99" in failed.findings[0].message


def test_a_fairness_gap_known_by_construction_is_measured_exactly(write, tmp_path, biased):
    model, evaluation, model_file = biased
    got = run(manifest(write, tmp_path, model_file), "FAIR-001")["FAIR-001"]
    x = np.column_stack([evaluation["income"], evaluation["debt"]])
    approved = model.predict_proba(x)[:, 1] < 0.5
    rate = {g: approved[evaluation["group"] == g].mean() for g in ("A", "B")}
    groups = got.metrics["groups"]["group"]
    assert groups["groups"]["A"]["selection_rate"] == pytest.approx(rate["A"])
    assert groups["groups"]["B"]["selection_rate"] == pytest.approx(rate["B"])
    assert groups["selection_rate_ratio"] == pytest.approx(rate["B"] / rate["A"])
    assert rate["B"] / rate["A"] < 0.8
    assert got.status.value == "fail"
    messages = " | ".join(f.message for f in got.findings)
    assert "group B gets the favourable outcome" in messages
    # the 40 rows of group C are reported as too small, never passed
    assert "too small to judge: C (n=40)" in messages


def test_a_fair_model_passes_fairness(write, tmp_path):
    train, evaluation = world(3, 3000, biased=False), world(4, 3000, biased=False)
    write_rows(tmp_path / "data" / "eval.csv", evaluation)
    write_rows(tmp_path / "data" / "prod.csv", evaluation, ["id", "income", "debt"])
    model_file = save(tmp_path, "fair.joblib", fit(train, ["income", "debt"]), ["income", "debt"])
    got = run(manifest(write, tmp_path, model_file), "FAIR-001")["FAIR-001"]
    table = got.metrics["groups"]["group"]
    assert table["selection_rate_ratio"] > 0.9 and table["ratio_verdict"] == "pass"
    # 1,500 rows a group cannot show a TPR gap under 5 points: inconclusive (WARN), never a FAIL, never a PASS
    assert got.status.value == "warn", got.findings
    assert got.findings and all(f.severity.name == "MEDIUM" and "inconclusive" in f.message for f in got.findings)
    assert any("more positives per group would decide it" in f.message for f in got.findings)
    low, high = table["tpr_gap_interval"]["low"], table["tpr_gap_interval"]["high"]
    assert low < 0.05 < high and low <= table["tpr_gap"] <= high


def regional(seed, n):
    """South (85%): default driven by x1; north (15%): by x2."""
    rng = np.random.default_rng(seed)
    region = np.where(rng.random(n) < 0.85, "south", "north")
    x1, x2 = rng.normal(0, 1, n), rng.normal(0, 1, n)
    z = np.where(region == "south", 2.5 * x1, 2.5 * x2) - 1
    label = (rng.random(n) < sigmoid(z)).astype(int)
    return {
        "id": np.array([f"R{i:05d}" for i in range(n)]),
        "x1": x1.round(6),
        "x2": x2.round(6),
        "region": region,
        "defaulted": label,
    }


@pytest.mark.slow
def test_champion_vs_challenger_finds_the_slice_where_the_candidate_is_worse(write, tmp_path):
    train, golden = regional(5, 4000), regional(6, 2000)
    write_rows(tmp_path / "data" / "golden.csv", golden)
    write_rows(tmp_path / "data" / "eval.csv", golden)
    write_rows(tmp_path / "data" / "prod.csv", golden, ["id", "x1", "x2"])
    south = np.flatnonzero(train["region"] == "south")
    candidate = save(tmp_path, "cand.joblib", fit(train, ["x1", "x2"], south), ["x1", "x2"])  # never saw north
    champion = save(tmp_path, "champ.joblib", fit(train, ["x1", "x2"]), ["x1", "x2"])  # saw both regions
    endpoint, serve = served(tmp_path, champion)
    extra = f"""
        champion:
          version: 1.0.0
          endpoint: {endpoint}
          serve: {serve}
          golden: {{path: data/golden.csv}}
          slices: [region, x1]
    """
    got = run(manifest(write, tmp_path, candidate, extra=extra), "CHG-003")["CHG-003"]
    x = np.column_stack([golden["x1"], golden["x2"]])
    cand_auc = roc_auc_score(golden["defaulted"], joblib.load(candidate)["model"].predict_proba(x)[:, 1])
    champ_auc = roc_auc_score(golden["defaulted"], joblib.load(champion)["model"].predict_proba(x)[:, 1])
    assert got.metrics["candidate"] == pytest.approx(cand_auc, abs=1e-6)
    assert got.metrics["champion"] == pytest.approx(champ_auc, abs=1e-6)
    assert 0 < got.metrics["agreement"] <= 1 and got.metrics["slices_compared"] >= 6
    assert got.status.value in {"warn", "fail"}
    if cand_auc - champ_auc >= -0.005:
        assert got.status.value == "warn"  # better overall, worse for the north: a slice gap, not a silent pass
    worse = got.metrics["worse_slices"]
    assert "region = south" not in worse
    north = [i for i in range(2000) if golden["region"][i] == "north"]
    n_cand = roc_auc_score(golden["defaulted"][north], joblib.load(candidate)["model"].predict_proba(x[north])[:, 1])
    n_champ = roc_auc_score(golden["defaulted"][north], joblib.load(champion)["model"].predict_proba(x[north])[:, 1])
    assert n_champ - n_cand > 0.02  # the construction: the candidate never saw the north
    assert "region = north" in worse
    finding = next(f for f in got.findings if "region = north" in f.message)
    assert f"the candidate's auc is {n_cand:.3f}, the champion's {n_champ:.3f}" in finding.message


@pytest.mark.slow
def test_a_candidate_worse_than_its_champion_fails(write, tmp_path, biased):
    model, evaluation, model_file = biased
    train = world(1, 3000, biased=True)
    weak = save(tmp_path, "weak.joblib", fit(train, ["debt"]), ["debt"])
    endpoint, serve = served(tmp_path, model_file)  # the good model is the champion now
    extra = f"champion: {{version: 1.0.0, endpoint: {endpoint}, serve: {serve}}}"
    got = run(manifest(write, tmp_path, weak, extra=extra), "CHG-003")["CHG-003"]
    assert got.status.value == "fail" and got.metrics["delta"] < -0.05
    assert "is worse than the champion (1.0.0) on auc" in got.findings[0].message


def test_explanations_unstable_on_repeat_are_caught_and_ranked_ones_pass(write, tmp_path, biased):
    model, evaluation, model_file = biased
    shuffled = run(manifest(write, tmp_path, model_file, reasons="shuffled"), "XAI-003")["XAI-003"]
    assert shuffled.status.value == "fail" and shuffled.metrics["repeat_mismatches"] > 0
    assert "different reasons when sent twice" in shuffled.findings[0].message
    stable = run(manifest(write, tmp_path, model_file), "XAI-003")["XAI-003"]
    assert stable.status.value == "pass", stable.findings
    assert stable.metrics["perturbations"] >= 20 and stable.metrics["agreement"] >= 0.9


def test_adverse_decisions_without_reasons_are_named(write, tmp_path, biased):
    model, evaluation, model_file = biased
    got = run(manifest(write, tmp_path, model_file, reasons="adverse-none"), "XAI-001")["XAI-001"]
    assert got.status.value == "fail"
    declines = got.metrics["by_decision"]["decline"]
    assert declines["answers"] > 0 and declines["with_reasons"] == 0
    assert f"{declines['answers']} of {declines['answers']} adverse decisions (decline) carry no reasons" in (
        got.findings[0].message
    )


def test_an_explainer_callable_explains_a_python_model(write, tmp_path):
    train = world(7, 1000, biased=False)
    write_rows(tmp_path / "data" / "prod.csv", train, ["id", "income", "debt"])
    joblib.dump(fit(train, ["income", "debt"]), tmp_path / "lr.joblib")
    write(
        "lrmodel.py",
        f"""
        import joblib
        MODEL = joblib.load({str(tmp_path / "lr.joblib")!r})

        def predict(row):
            p = float(MODEL.predict_proba([[row["income"], row["debt"]]])[0, 1])
            return {{"score": p, "decision": "decline" if p >= 0.5 else "approve"}}

        def explain(row):
            return {{f: float(c * row[f]) for f, c in zip(["income", "debt"], MODEL.coef_[0])}}

        def explain_badly(row):
            if row["income"] < -1:
                raise RuntimeError("kernel explainer: singular matrix")
            return {{"income": 1.0, "zip_code": 2.0}}
    """,
    )
    base = """
        model:
          id: p
          name: P
          version: '1'
          endpoint: {kind: python, callable: lrmodel:predict}
          outputs: {decision: decision, adverse: [decline]}
        data: {production: {path: data/prod.csv}}
        explainability: {explainer: 'lrmodel:NAME'}
    """
    good = write("good.yaml", base.replace("NAME", "explain"))
    got = run(good, "XAI-001", "XAI-003")
    assert got["XAI-001"].status.value == "pass", got["XAI-001"].findings
    assert got["XAI-001"].metrics["answered"] == 100
    assert got["XAI-003"].status.value == "pass", got["XAI-003"].findings
    bad = write("bad.yaml", base.replace("NAME", "explain_badly"))
    res = run(bad, "XAI-001")["XAI-001"]
    messages = " | ".join(f.message for f in res.findings)
    assert res.status.value == "fail" and "explainer failed on" in messages and "singular matrix" in messages
    assert "outside the catalogue: zip_code" in messages


def test_predictions_only_mode_imports_the_evidence_and_says_so(write, tmp_path, biased):
    model, evaluation, _ = biased
    x = np.column_stack([evaluation["income"], evaluation["debt"]])
    scores = model.predict_proba(x)[:, 1]
    rows = {
        "id": evaluation["id"][:-25],
        "score": scores[:-25].round(9),  # 25 rows the vendor never scored
        "decision": np.where(scores[:-25] >= 0.5, "decline", "approve"),
        "reasons": np.array(["income|debt"] * (2000 - 25)),
    }
    write_rows(tmp_path / "vendor" / "predictions.csv", rows)
    path = write(
        "m.yaml",
        f"""
        model:
          id: v
          name: Vendor score
          version: '2026.11'
          predictions: {{path: vendor/predictions.csv, key: id, produced_by: Vendor batch run}}
          outputs: {OUTPUTS}
        data: {{evaluation: {{path: data/eval.csv}}}}
        evaluation: {{label: defaulted, metrics: {{auc: {{min: 0.6}}}}}}
        fairness: {{protected_attributes: [group]}}
        explainability: {{response_path: reasons, reason_code_catalogue: [income, debt]}}
    """,
    )
    got = run(path, "EVAL-001", "FAIR-001", "XAI-001", "DET-001")
    for check in ("EVAL-001", "FAIR-001", "XAI-001"):
        assert got[check].evidence_kind.value == "imported", check
    assert "imported from vendor/predictions.csv (produced by Vendor batch run), not measured" in got["XAI-001"].summary
    assert got["XAI-001"].status.value == "pass"
    quality = got["EVAL-001"]
    kept = slice(0, 2000 - 25)
    assert quality.metrics["metrics"]["auc"]["value"] == pytest.approx(
        roc_auc_score(evaluation["defaulted"][kept], scores[kept]), abs=1e-6
    )
    assert "25 of 2000 rows of data/eval.csv have no prediction" in quality.findings[0].message
    assert "imported from" in quality.metrics["how"]
    assert got["FAIR-001"].status.value == "fail"  # the same bias, read from the file
    det = got["DET-001"]
    assert det.status.value == "not_applicable" and "Predictions only" in det.summary and "live model" in det.summary


def test_a_stochastic_model_fails_determinism_unless_its_declared_tolerance_covers_it(write, tmp_path, biased):
    model, evaluation, model_file = biased
    got = run(manifest(write, tmp_path, model_file, noise=0.001), "DET-001")["DET-001"]
    assert got.status.value == "fail" and got.metrics["differing"] == got.metrics["inputs"] == 20
    declared = OUTPUTS[:-1] + ", tolerance: 0.002}"  # two draws differ by at most twice the noise
    assert (
        run(manifest(write, tmp_path, model_file, noise=0.001, outputs=declared), "DET-001")["DET-001"].status.value
        == "pass"
    )
    assert run(manifest(write, tmp_path, model_file), "DET-001")["DET-001"].status.value == "pass"


def test_the_reports_show_the_quality_tables(write, tmp_path, biased):
    from readiness.reports import html, markdown

    model, evaluation, model_file = biased
    a = assess(manifest(write, tmp_path, model_file), options=RunOptions(now=NOW, only=("EVAL-001", "FAIR-001")))
    fair = next(o for o in a.outcomes if o.id == "FAIR-001").result.metrics["groups"]["group"]
    md = markdown.render(a).decode()
    assert "### Quality, fairness and the champion" in md and "measured by calling the model over HTTP (/predict)" in md
    b = fair["groups"]["B"]
    siv = b["selection_interval"]
    rate = f"{b['selection_rate']:.3f} ({siv['low']:.3f}–{siv['high']:.3f})"
    assert f"| group | B | {b['n']} | {rate} | {b['tpr']:.3f} | {b['fpr']:.3f} |" in md
    assert "| group | C | 40 |" in md  # the small group is shown with its size
    auc = next(o for o in a.outcomes if o.id == "EVAL-001").result.metrics["metrics"]["auc"]
    span = f"{auc['interval']['low']:.3f}–{auc['interval']['high']:.3f}"
    assert f"| auc | {auc['value']:.3f} | {span} | &gt;= 0.6 | within | 0.95 | {auc['gap_to_claim']:+.3f} |" in md
    page = html.render(a).decode()
    assert '<section id="quality">' in page and f"<td>B</td><td>{b['n']}</td>" in page


def test_a_server_that_stops_answering_mid_evaluation_is_reported_not_waited_for(write, tmp_path):
    evaluation = world(8, 400, biased=False)
    write_rows(tmp_path / "data" / "eval.csv", evaluation)
    fake = ROOT / "tests" / "fake_server.py"
    path = write(
        "m.yaml",
        f"""
        model:
          id: h
          name: H
          version: '1'
          endpoint: {{url: "http://127.0.0.1:{{port}}/predict", timeout_s: 0.5}}
          serve: {{command: [python, {fake}, --port, "{{port}}", --hang-after, "100"],
                  ready_url: "http://127.0.0.1:{{port}}/health", port: auto}}
          outputs: {{score: score, threshold: 0.5}}
        data: {{evaluation: {{path: data/eval.csv}}}}
        evaluation: {{label: defaulted, metrics: {{auc: {{min: 0.6}}}}}}
    """,
    )
    a = assess(path, options=RunOptions(now=NOW, only=("EVAL-001",)))
    got = next(o for o in a.outcomes if o.id == "EVAL-001").result
    assert got.status.value == "fail"  # an error, a hang past the check's timeout, would be "error"
    lost = got.findings[0]
    assert "rows of data/eval.csv got no answer" in lost.message
    assert int(lost.message.split(" of ")[0]) >= 290  # at most ~100 answered (plus the cold-start probe)


def test_without_a_catalogue_reasons_must_name_input_features(write, tmp_path, biased):
    model, evaluation, model_file = biased
    text = manifest(write, tmp_path, model_file).read_text()
    bare = text.replace(
        "explainability: {response_path: reasons, reason_code_catalogue: [income, debt]}",
        "explainability: {response_path: reasons}",
    )
    assert bare != text
    write("m.yaml", bare)
    assert run(tmp_path / "m.yaml", "XAI-001")["XAI-001"].status.value == "pass"  # "income", "debt" are inputs
    fake = ROOT / "tests" / "fake_server.py"  # answers reason_codes ["R00"], which names nothing
    write(
        "f.yaml",
        bare.replace(
            f'{SERVER}, --port, "{{port}}", --model, {model_file}, --reasons, ranked, --noise, "0.0"',
            f'{fake}, --port, "{{port}}"',
        ).replace("response_path: reasons", "response_path: reason_codes"),
    )
    got = run(tmp_path / "f.yaml", "XAI-001")["XAI-001"]
    assert got.status.value == "warn"
    messages = " | ".join(f.message for f in got.findings)
    assert "R00 (neither a declared code nor an input feature)" in messages
    assert "No adverse decision among 100 sampled answers" in messages  # the fake server always approves
