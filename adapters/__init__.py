"""Adapters: map a domain's instance (an ad impression, a sentence, an image) into the shared
feature space of :mod:`interactkit.space`.

Installed as ``interactkit.adapters``; each domain is one package (``ctr``, ``text``, ``image``)
whose explainer follows :class:`interactkit.Explainer`, so that importing one never pulls another
domain's heavy dependencies (transformers, scikit-image, deepctr-torch). See
``docs/architecture.md`` for adding a domain.
"""
