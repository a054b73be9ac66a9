def predict(row):
    return {"probability_of_default": 0.1, "decision": "approve", "reason_codes": ["R00_NO_ADVERSE_FACTOR"]}
