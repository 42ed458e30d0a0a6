"""Visualizers: per-domain figures and HTML renderings of explanations.

Installed as ``interactkit.visualizers``. Every module imports matplotlib lazily, so importing
``interactkit`` never pays for it.
"""
