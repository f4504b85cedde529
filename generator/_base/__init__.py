"""Foundations: MLJET's errors, progress reports, cache and rendering worker.

Every other layer may import from here; nothing here imports another layer.
"""
