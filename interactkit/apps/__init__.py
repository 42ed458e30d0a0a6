"""Command-line jobs (``interactkit COMMAND``).

This is the application layer: it may use adapters and visualizers; nothing in the core imports
it.
"""
