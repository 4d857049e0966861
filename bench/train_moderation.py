"""Train the moderation model (knowledge/moderation_model.tsv): logistic regression over character n-grams.

    python -m bench.train_moderation [--features 6000] [--epochs 12] [--out knowledge/moderation_model.tsv]

Data, read at training time and never copied into the repository:
- ../shared/data/moderation/spam_sms.txt and ham_sms.txt, the `train` split only (bench/moderation_data.py:
  70% by a hash of each line; `validation` 10% picks the probability bands; `test` 20% is never used here);
- the project's own writing as extra normal messages: the customer questions in knowledge/faq.yaml and
  knowledge/intents.yaml and knowledge/tests/eval.yaml, the matcher's tuning set (what customers of a
  brand really ask: prices, discounts, shipping — the SMS personal messages have none of that), and
  the group-chat dev sets tests/data/moderation/group_chat_{dev,blind1,blind4,blind5}.tsv (both labels).
  group_chat_holdout/fresh/blind2/blind3.tsv are never used.

Messages are normalised exactly as the detector does (knowledge/moderation.yaml `normalize`), digits read as
0. Pure Python, no numpy: about a minute on one core. The file it writes records the data sizes and the
command; docs/moderation.md explains how to retrain and what the bands mean.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import yaml

from bench.moderation_data import ROOT, Labelled, load_own, load_sms, sms_available, unmask_for_training
from bot.content.source import load_document, validate
from bot.moderation.model import NgramModel, ngrams, sigmoid
from bot.moderation.spec import ModerationFile
from bot.moderation.text import TextNormalizer

# the group-chat sets whose lines have been read and the rules written on: holdout, fresh, blind2 and blind3
# stay out, so that they keep measuring what unseen groups get
DEV_SETS = ("dev", "blind1", "blind4", "blind5")
ORDERS = (1, 2, 3)


class Reader:
    """Reads a message the way the detector hands it to the model (normalised, ignored words removed)."""

    def __init__(self, content: Path) -> None:
        spec = validate(ModerationFile, load_document(content / "knowledge" / "moderation.yaml"))
        self.normalizer = TextNormalizer(spec.normalize.symbols, spec.normalize.tokens, spec.normalize.variants,
                                     spec.normalize.digits)
        ignore = spec.model.ignore if spec.model else []
        self.ignore = [w for w in (self.normalizer.word(word) for word in ignore) if w]

    def __call__(self, text: str) -> str:
        compact = self.normalizer.fold(text).compact
        for word in self.ignore:
            compact = compact.replace(word, "")
        return compact


def own_normal_messages(content: Path) -> list[str]:
    """Customer questions the project wrote for its knowledge base and its matching evaluation."""
    texts: list[str] = []
    faq = yaml.safe_load((content / "knowledge" / "faq.yaml").read_text(encoding="utf-8"))
    for entry in faq.get("entries", []):
        texts.extend(entry.get("questions", []))
    intents = yaml.safe_load((content / "knowledge" / "intents.yaml").read_text(encoding="utf-8"))
    for intent in intents.get("intents", {}).values():
        texts.extend(intent.get("examples", []))
    # the matcher's tuning set only: its held-out set (heldout.yaml) stays unseen by every model
    evaluation = yaml.safe_load((content / "knowledge" / "tests" / "eval.yaml").read_text(encoding="utf-8"))
    for section in evaluation.values():
        groups = section.values() if isinstance(section, dict) else [section]
        texts.extend(q for group in groups if isinstance(group, list) for q in group if isinstance(q, str))
    return texts


Example = tuple[frozenset[str], int, float]  # features, label, sample weight


def examples(items: Sequence[tuple[str, bool, float]], read: Reader) -> list[Example]:
    out = []
    for text, spam, weight in items:
        grams = frozenset(ngrams(read(text), ORDERS))
        if grams:
            out.append((grams, int(spam), weight))
    return out


def select_features(train: list[Example], count: int, min_df: int) -> set[str]:
    """Keep the n-grams that separate the classes best (naive-Bayes log-odds × √document frequency)."""
    df = [Counter[str](), Counter[str]()]
    totals = [0.0, 0.0]
    for grams, label, weight in train:
        df[label].update(grams)
        totals[label] += weight
    scores = {}
    for gram in sorted(df[0].keys() | df[1].keys()):  # sorted: the same model whatever the hash seed
        both = df[0][gram] + df[1][gram]
        if both < min_df:
            continue
        odds = math.log((df[1][gram] + 0.5) / (totals[1] + 1)) - math.log((df[0][gram] + 0.5) / (totals[0] + 1))
        scores[gram] = abs(odds) * math.sqrt(both)
    return set(sorted(scores, key=lambda g: -scores[g])[:count])


def without_digits(features: set[str]) -> set[str]:
    """Numbers are the rules' business (order numbers are normal in a group, phone numbers are not); in SMS
    every number is an advert's, so a model that learnt them would flag order numbers."""
    return {gram for gram in features if "0" not in gram}


def train_lr(train: list[Example], features: set[str], epochs: int, l2: float, seed: int) -> NgramModel:
    weights: dict[str, float] = dict.fromkeys(features, 0.0)
    bias = 0.0
    rows = [(sorted(g for g in grams if g in features), label, weight) for grams, label, weight in train]
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(rows)
        rate = 0.2 / (1 + epoch)
        for grams, label, weight in rows:
            z = bias + sum(weights[g] for g in grams)
            gradient = (sigmoid(z) - label) * weight
            bias -= rate * gradient
            for gram in grams:
                weights[gram] -= rate * (gradient + l2 * weights[gram])
    kept = {g: w for g, w in weights.items() if abs(w) >= 0.05}
    return NgramModel(kept, bias, ORDERS)


def bands(model: NgramModel, validation: list[tuple[str, bool]], read: Reader) -> list[str]:
    """Probability at which validation personal messages would be flagged at 2%, 0.5%, 0.1%, 0.02%."""
    scored = [(model.probability(read(text)), spam) for text, spam in validation]
    ham = sorted((p for p, spam in scored if not spam), reverse=True)
    spam_scores = [p for p, spam in scored if spam]
    lines = []
    for rate in (0.02, 0.005, 0.001, 0.0002):
        cut = ham[min(len(ham) - 1, int(rate * len(ham)))]
        caught = sum(p > cut for p in spam_scores) / max(1, len(spam_scores))
        lines.append(f"validation: flag above p={cut:.4f} → false flags {rate:.2%}, caught {caught:.1%}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=Path, default=ROOT)
    parser.add_argument("--features", type=int, default=6000)
    parser.add_argument("--min-df", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--l2", type=float, default=1e-5)
    parser.add_argument("--own-weight", type=float, default=3.0, help="weight of the project's own examples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "knowledge" / "moderation_model.tsv")
    args = parser.parse_args()
    if not sms_available():
        print("../shared/data/moderation/ is not here: nothing to train on (the shipped model stays as it is).")
        return
    started = time.perf_counter()
    read = Reader(args.content)
    sms = load_sms("train")
    own_ham = own_normal_messages(args.content)
    dev: list[Labelled] = [item for name in DEV_SETS for item in load_own(name)]
    items = [(unmask_for_training(item), item.spam, 1.0) for item in sms]
    items += [(text, False, args.own_weight) for text in own_ham]
    items += [(item.text, item.spam, args.own_weight) for item in dev]
    train = examples(items, read)
    features = without_digits(select_features(train, args.features, args.min_df))
    model = train_lr(train, features, args.epochs, args.l2, args.seed)
    validation = [(unmask_for_training(item), item.spam) for item in load_sms("validation")]
    report = bands(model, validation, read)
    spam_count = sum(1 for item in sms if item.spam)
    header = [
        "siyu-bot moderation model: logistic regression over character 1-3-grams of the normalised message.",
        "Written by `python -m bench.train_moderation` (see docs/moderation.md); do not edit by hand.",
        f"trained on: SMS train split {spam_count} spam + {len(sms) - spam_count} personal "
        "(../shared/data/moderation, not redistributed),",
        f"  {len(own_ham)} of the project's own customer questions and {len(dev)} own group messages "
        f"({', '.join(f'group_chat_{name}.tsv' for name in DEV_SETS)}), own examples weighted {args.own_weight}.",
        f"features {len(model.weights)} (selected {args.features}, min df {args.min_df}), epochs {args.epochs}, "
        f"l2 {args.l2}, seed {args.seed}",
        *report,
    ]
    args.out.write_text(model.dump(header), encoding="utf-8")
    for line in report:
        print(line)
    print(f"wrote {args.out} ({len(model.weights)} n-grams) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
