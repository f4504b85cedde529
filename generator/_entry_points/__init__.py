"""The ways in: `cook()` from Python, the command line (`mljet`, `python -m
generator`), the Copier task, and the hooks as commands (`hooks/*.py`)."""
