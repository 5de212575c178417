"""Multinomial naive Bayes over word unigrams and bigrams, standard library only.

Negation is folded into the following words ("not good" -> "not_good"), which is what lets a bag-of-words
model tell "good" from "not good" without a larger data set.
"""
import math
import re
from collections import Counter

NEGATIONS = {"not", "no", "never", "isn't", "wasn't", "don't", "didn't", "doesn't", "can't", "won't", "nothing"}
WORD = re.compile(r"[a-z']+")


def tokens(text):
    words = WORD.findall(text.lower())
    out = []
    negate = 0
    for w in words:
        if w in NEGATIONS:
            negate = 3
            out.append(w)
            continue
        out.append("not_" + w if negate else w)
        negate = max(0, negate - 1)
    return out + [a + " " + b for a, b in zip(out, out[1:])]


class NaiveBayes:
    def __init__(self, examples):
        """examples: iterable of (label, text)."""
        self.docs = Counter()
        self.words = {}
        for label, text in examples:
            self.docs[label] += 1
            self.words.setdefault(label, Counter()).update(tokens(text))
        self.vocabulary = set()
        for counts in self.words.values():
            self.vocabulary.update(counts)
        self.totals = {label: sum(c.values()) for label, c in self.words.items()}
        self.size = sum(self.docs.values())

    def scores(self, text):
        """Log-probability of each label for text (Laplace smoothing)."""
        v = len(self.vocabulary)
        result = {}
        for label in self.docs:
            score = math.log(self.docs[label] / self.size)
            for t in tokens(text):
                if t in self.vocabulary:
                    score += math.log((self.words[label][t] + 1) / (self.totals[label] + v))
            result[label] = score
        return result

    def predict(self, text):
        """(label, probability of that label)."""
        scores = self.scores(text)
        top = max(scores.values())
        exp = {label: math.exp(s - top) for label, s in scores.items()}
        total = sum(exp.values())
        label = max(exp, key=exp.get)
        return label, exp[label] / total


def load(path):
    examples = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            label, _, text = line.partition("\t")
            if label not in ("positive", "negative") or not text:
                raise ValueError("%s:%d: expected 'positive|negative<TAB>sentence'" % (path, number))
            examples.append((label, text))
    return examples
