"""Custom Rasa NLU components: language detection, tokenization, commands."""

import hashlib
import importlib.util
import unicodedata
from importlib import metadata

# How much of a message the NLU reads: the language detector, the tokenizer and the
# rules all read the first READ_CHARACTERS, so a 100,000-character message costs no more
# than a 2,000-character one (the rest is kept in the conversation, not understood).
READ_CHARACTERS = 2000


def fold(word: str) -> str:
    """Lower case without accents or tone marks: residents often type "khong" for "không"."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def code_fingerprint(modules: tuple[str, ...], libraries: tuple[str, ...] = ()) -> str:
    """A hash of the source of `modules` and of the installed versions of `libraries`, for a
    component's `fingerprint_addon`: Rasa's training cache keys a component by its config and
    data only, so without it a change to our code would reuse a component trained by the
    old code."""
    digest = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        digest.update(name.encode())
        if spec and spec.origin:
            with open(spec.origin, "rb") as source:
                digest.update(source.read())
    for library in libraries:
        try:
            digest.update(f"{library}=={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library} missing".encode())
    return digest.hexdigest()
