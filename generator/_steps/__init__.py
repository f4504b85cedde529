"""The pipeline's steps: plan, describe, stage, deliver the artifact; and
the steps of an update (`mljet update`) and of a model swap (`--update`)."""
