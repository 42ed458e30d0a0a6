"""The text adapter: negations on the offline MiniLM-SST-2 classifier, and its cost."""
