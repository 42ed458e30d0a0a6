"""A planted text model for benchmarks: a bag-of-words classifier whose label is "not" AND "bad".

Built offline: a WordPiece vocabulary of filler words plus "not" and "bad" (a fast BERT
tokenizer from a vocab file), sentences of 12-20 words, a small embedding-sum MLP trained until
it is right on almost every sentence. The explained output is the positive logit; the planted
interaction is the word pair {not, bad}.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

FILLER = (
    "the movie is was a film plot it very great boring story and really quite good acting "
    "scenes music long short dialogue cast director ending this that with of in on for"
).split()
WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "_", *FILLER, "not", "bad"]
LABELS = {0: "NEGATIVE", 1: "POSITIVE"}


class BagOfWords(torch.nn.Module):
    """Sum of (attended) token embeddings -> MLP -> 2 logits."""

    def __init__(self, vocab_size: int, dim: int = 16) -> None:
        super().__init__()
        import transformers

        self.embed = torch.nn.Embedding(vocab_size, dim)
        self.mlp = torch.nn.Sequential(
            torch.nn.Linear(dim, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2)
        )
        self.config = transformers.PretrainedConfig(id2label=dict(LABELS))

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        return self.mlp((self.embed(input_ids) * mask.unsqueeze(-1).float()).sum(1))


def sentence(gen: torch.Generator, has_not: bool, has_bad: bool, lo: int = 12, hi: int = 20) -> str:
    """A random sentence of ``lo..hi`` words, with "not"/"bad" inserted where asked."""
    length = int(torch.randint(lo, hi + 1, (1,), generator=gen)) - int(has_not) - int(has_bad)
    idx = torch.randint(0, len(FILLER), (length,), generator=gen).tolist()
    words = [FILLER[i] for i in idx]
    for word, present in (("not", has_not), ("bad", has_bad)):
        if present:
            words.insert(int(torch.randint(0, len(words) + 1, (1,), generator=gen)), word)
    return " ".join(words)


def planted_text_model(seed: int = 0) -> tuple[BagOfWords, object, float]:
    """``(model, fast tokenizer, training accuracy)``."""
    import transformers

    directory = Path(tempfile.mkdtemp(prefix="interactkit-planted-text-"))
    (directory / "vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast.from_pretrained(str(directory))
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    flags = torch.rand(2000, 2, generator=gen) < 0.5
    texts = [sentence(gen, bool(a), bool(b)) for a, b in flags.tolist()]
    labels = (flags[:, 0] & flags[:, 1]).long()
    enc = tokenizer(texts, padding=True, return_tensors="pt")
    model = BagOfWords(len(WORDS))
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(300):
        opt.zero_grad()
        logits = model(enc["input_ids"], enc["attention_mask"])
        torch.nn.functional.cross_entropy(logits, labels).backward()
        opt.step()
    with torch.no_grad():
        accuracy = float(
            (model(enc["input_ids"], enc["attention_mask"]).argmax(1) == labels).float().mean()
        )
    return model.eval(), tokenizer, accuracy
