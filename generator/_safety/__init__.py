"""Safety: what a model file would run when loaded, and the user's own code
a pickled model refers to, checked before anything is loaded."""
