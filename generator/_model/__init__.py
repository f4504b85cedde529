"""Model knowledge: the model families (one module each), loading a model
file, what a model is (`ModelInfo`), the schema of its inputs (from the
fitted model and a sample), its conversion to ONNX, and the contract a
service of it promises."""
