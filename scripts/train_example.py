"""Train the demo's model: iris species from four measurements."""

from __future__ import annotations

import sys
from pathlib import Path

import joblib
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

work = Path(sys.argv[1])
iris = load_iris(as_frame=True)
features = iris.data.rename(
    columns=lambda name: name.replace(" (cm)", "").replace(" ", "_")
)
species = iris.target.map(dict(enumerate(iris.target_names)))
model = RandomForestClassifier(n_estimators=50, random_state=0).fit(features, species)
joblib.dump(model, work / "iris.joblib")
features.sample(30, random_state=0).to_csv(work / "iris-sample.csv", index=False)
print(f"trained {model} on {len(features)} flowers; saved {work / 'iris.joblib'}")
