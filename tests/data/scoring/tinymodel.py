def predict(row):
    return {"score": 0.5}
