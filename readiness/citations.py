"""The citations catalogue: one :class:`Reference` per clause, with how sure the citation is.

Checks cite clauses from here (``references = (citations.AIA_ART_12, ...)``); nothing else in the tree
builds a Reference for a built-in check, so a clause has one wording and one confidence everywhere it is
shown. Confidence codes (docs/profiles.md): CP primary text read, CM official page or verbatim mirror,
SC consistent secondary sources, SC1 one secondary source, MU our own reading.
"""

from __future__ import annotations

from collections.abc import Iterable

from readiness.model import Reference

_AIA = "EU AI Act (EU) 2024/1689"
_DORA = "DORA (EU) 2022/2554"
_DORA_RTS = "DORA RTS (EU) 2024/1774"
_FINMA = "FINMA Guidance 08/2024"
_NIST = "NIST AI RMF 1.0"
_US_MRM = "US interagency MRM guidance (SR 26-2; formerly SR 11-7)"

# EU AI Act
AIA_ART_10_2_FG = Reference(source=_AIA, section="Art. 10(2)(f)-(g) bias examination", confidence="CP")
AIA_ART_10_3_4 = Reference(source=_AIA, section="Art. 10(3)-(4)", confidence="CP")
AIA_ART_11_ANNEX_IV = Reference(source=_AIA, section="Art. 11, Annex IV", confidence="CP")
AIA_ART_12 = Reference(source=_AIA, section="Art. 12", confidence="CP")
AIA_ART_14 = Reference(source=_AIA, section="Art. 14", confidence="CP")
AIA_ART_15_1_3 = Reference(source=_AIA, section="Art. 15(1),(3) accuracy", confidence="CP")
AIA_ART_15_4 = Reference(source=_AIA, section="Art. 15(4)", confidence="CP")
AIA_ART_19_1_26_6 = Reference(source=_AIA, section="Art. 19(1), 26(6)", confidence="CP")
AIA_ART_26_9_27 = Reference(source=_AIA, section="Art. 26(9), 27", confidence="CP")
AIA_ART_72 = Reference(source=_AIA, section="Art. 72(1)-(3) post-market monitoring", confidence="CP")
AIA_ART_73 = Reference(source=_AIA, section="Art. 73", confidence="CP")
AIA_ART_86_1 = Reference(source=_AIA, section="Art. 86(1)", confidence="CP")

# DORA and its regulatory technical standards
DORA_ART_5_2_AC = Reference(source=_DORA, section="Art. 5(2)(a),(c)", confidence="CP")
DORA_ART_6_5 = Reference(source=_DORA, section="Art. 6(5)", confidence="CP")
DORA_ART_7_BD = Reference(source=_DORA, section="Art. 7(b)-(d)", confidence="CP")
DORA_ART_8_1 = Reference(source=_DORA, section="Art. 8(1)", confidence="CP")
DORA_ART_9_4_E = Reference(source=_DORA, section="Art. 9(4)(e)", confidence="CP")
DORA_ART_10_1_2 = Reference(source=_DORA, section="Art. 10(1)-(2)", confidence="CP")
DORA_ART_11_6_A = Reference(source=_DORA, section="Art. 11(6)(a)", confidence="CP")
DORA_ART_11_6_12 = Reference(source=_DORA, section="Art. 11(6), 12", confidence="CP")
DORA_ART_17_19 = Reference(source=_DORA, section="Art. 17, 19", confidence="CP")
DORA_ART_28 = Reference(source=_DORA, section="Art. 28", confidence="CP")
DORA_ART_28_8 = Reference(source=_DORA, section="Art. 28(8)", confidence="CP")
DORA_ART_29 = Reference(source=_DORA, section="Art. 29", confidence="CP")
DORA_ART_30_2_B = Reference(source=_DORA, section="Art. 30(2)(b)", confidence="CP")
DORA_ART_30_2_3 = Reference(source=_DORA, section="Art. 30(2)-(3)", confidence="CP")
DORA_RTS_ART_9 = Reference(source=_DORA_RTS, section="Art. 9 capacity and performance management", confidence="MU")
DORA_RTS_ART_12 = Reference(source=_DORA_RTS, section="Art. 12", confidence="CM")
DORA_RTS_ART_12_CLOCKS = Reference(source=_DORA_RTS, section="Art. 12 (clock synchronisation)", confidence="CM")
DORA_RTS_ART_16 = Reference(source=_DORA_RTS, section="Art. 16", confidence="CM")
DORA_RTS_ART_25 = Reference(
    source=_DORA_RTS, section="Art. 25 (continuity tests incl. ICT third-party failure)", confidence="CM"
)
DORA_RTS_ART_17 = Reference(source=_DORA_RTS, section="Art. 17", confidence="CM")

# FINMA
FINMA_GM_2_1 = Reference(source=_FINMA, section="2.1 Governance", confidence="SC")
FINMA_GM_2_2 = Reference(source=_FINMA, section="2.2 Inventory and risk classification", confidence="SC")
FINMA_GM_2_3 = Reference(source=_FINMA, section="2.3 Data quality", confidence="SC")
FINMA_GM_2_4 = Reference(source=_FINMA, section="2.4 Tests and ongoing monitoring", confidence="SC")
FINMA_GM_2_5 = Reference(source=_FINMA, section="2.5 Documentation", confidence="SC")
FINMA_GM_2_6 = Reference(source=_FINMA, section="2.6 Explainability", confidence="SC")
FINMA_GM_2_7 = Reference(source=_FINMA, section="2.7 Independent review", confidence="SC")
FINMA_CIRC_2023_1_ICT = Reference(source="FINMA Circ. 2023/1", section="ICT change management", confidence="SC1")

# NIST
NIST_RMF_GOVERN_1_6 = Reference(source=_NIST, section="GOVERN 1.6", confidence="CP")
NIST_RMF_GOVERN_2_1 = Reference(source=_NIST, section="GOVERN 2.1", confidence="CP")
NIST_RMF_GOVERN_6_1_2 = Reference(source=_NIST, section="GOVERN 6.1, 6.2", confidence="CP")
NIST_RMF_MANAGE_2_4 = Reference(source=_NIST, section="MANAGE 2.4", confidence="CP")
NIST_RMF_MEASURE_1_3 = Reference(source=_NIST, section="MEASURE 1.3", confidence="CP")
NIST_RMF_MEASURE_2_4 = Reference(source=_NIST, section="MEASURE 2.4", confidence="CP")
NIST_RMF_MEASURE_2_9 = Reference(source=_NIST, section="MEASURE 2.9", confidence="CP")
NIST_RMF_MEASURE_2_11 = Reference(source=_NIST, section="MEASURE 2.11", confidence="CP")
NIST_600_1_GV_6_2_004 = Reference(source="NIST AI 600-1", section="GV-6.2-004", confidence="CP")

# US model risk management (SR 11-7 was rescinded on 2026-04-17; SR 26-2 keeps its building blocks)
US_MRM_VALIDATION = Reference(source=_US_MRM, section="Validation", confidence="SC")
US_MRM_OUTCOMES = Reference(source=_US_MRM, section="outcomes analysis, benchmarking (SR 11-7 §V)", confidence="SC")
EEOC_FOUR_FIFTHS = Reference(
    source="US EEOC Uniform Guidelines 29 CFR 1607.4(D)", section="four-fifths rule", confidence="MU"
)

# Health and data protection
HIPAA_164_312_B = Reference(source="HIPAA 45 CFR", section="164.312(b)", confidence="CM")
FADP_ART_21_22 = Reference(source="Swiss FADP (revDSG)", section="Art. 21, 22", confidence="CM")

CONFIDENCE_ORDER = ("CP", "CM", "SC", "SC1", "MU")
"""From the surest (the primary text was read) to the least sure (our own reading)."""


def least_sure(confidences: Iterable[str | None]) -> str:
    """The weakest of several confidences: a citation is as sure as its least sure part."""
    ranks = [CONFIDENCE_ORDER.index(c) if c in CONFIDENCE_ORDER else len(CONFIDENCE_ORDER) - 1 for c in confidences]
    return CONFIDENCE_ORDER[max(ranks)] if ranks else "MU"


CATALOGUE: dict[str, Reference] = {
    name: value for name, value in list(globals().items()) if isinstance(value, Reference)
}
"""Every clause by its name, for tests and docs."""
